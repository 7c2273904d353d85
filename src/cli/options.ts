/**
 * The command-line flags, and how the ones that are settings become settings. Every command shares
 * the common flags (`--data-dir`, `--set`, logging); `crawl` adds its own.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { FlagValue, parseBoolean, resolveSettings, SettingsSources } from '../core/settings-loader';
import { feedsFromCommandLine } from '../feeds/feed-options';
import { CrawlSettings, DEFAULT_SETTINGS, Settings } from '../settings';
import { DEFAULT_SPIDER } from '../spiders';
import { REPORT_FORMATS, ReportFormat } from '../util/row-format';

/** A flag given twice: the last one wins, as in most command lines. */
export const last = <T>(value: T | T[]): T => (Array.isArray(value) ? value[value.length - 1] : value);

const text = (describe: string) => ({ type: 'string' as const, coerce: last, describe });

/**
 * A number flag (`[number]` in --help). yargs turns a value that is not a number into NaN; the value
 * as typed is handed on instead, so the check that follows (a setting's, or the command's own) names it.
 */
export const numberFlag = (flag: string, describe: string) => ({
  type: 'number' as const,
  describe,
  coerce: (value: number | number[]) => {
    const n = last(value);
    return typeof n === 'number' && !Number.isNaN(n) ? n : (typedValue(flag) ?? String(n));
  },
});

/** The last value typed after `--flag` (or `--flag=value`) on this process's command line. */
function typedValue(flag: string): string | undefined {
  let typed: string | undefined;
  const args = process.argv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${flag}`) typed = args[i + 1] ?? '';
    else if (args[i].startsWith(`--${flag}=`)) typed = args[i].slice(flag.length + 3);
  }
  return typed;
}

export function commonOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('data-dir', text(`Output root (env DATA_DIR; default ${DEFAULT_SETTINGS.DATA_DIR})`))
    .option('log-level', text('debug, info, warn (warning), error or critical, any case (env LOG_LEVEL)'))
    .option('log-file', text('Also append the log to this file (env LOG_FILE)'))
    .option('set', {
      type: 'string',
      array: true,
      describe: 'Override any setting: --set NAME=VALUE (repeatable)',
    });
}

/** `--coin-id`, `--start-date`, `--end-date`: required for a crawl, filters for `reprocess`. */
/** `endDefault`: what an absent `--end-date` means, for the help. */
export function rangeOptions<T>(
  yargs: Argv<T>,
  required: boolean,
  endDefault = required ? 'the start day' : 'no limit',
) {
  return yargs
    .option('coin-id', {
      alias: ['coin_id', 'c'],
      type: 'string',
      array: true,
      demandOption: required,
      describe: 'CoinGecko coin id(s), space or comma separated',
    })
    .option('start-date', {
      alias: ['start_date', 's'],
      demandOption: required,
      ...text('First day, YYYY-MM-DD'),
    })
    .option('end-date', {
      alias: ['end_date', 'e'],
      ...text(`Last day, inclusive (default: ${endDefault})`),
    });
}

export function crawlOptions<T>(yargs: Argv<T>) {
  // Not required here: they are the coin spiders' arguments, checked by the spider's declaration.
  return fetchOptions(commonOptions(rangeOptions(yargs, false, 'the start day')))
    .option('spider', {
      ...text('Spider to run (see `list`); `--spider NAME --help` lists its arguments'),
      default: DEFAULT_SPIDER,
    })
    .option('a', {
      type: 'string',
      array: true,
      describe: "A spider argument, -a NAME=VALUE (repeatable; Scrapy's -a)",
    })
    .option('db-store', {
      alias: ['db_store', 'd'],
      ...text('Also store in the database (bare flag, or true/false/yes/no/1/0)'),
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Fetch items that are already stored again (default: skip them)',
    })
    .option('job-dir', text('Keep the request queue here, to resume a stopped crawl (env JOB_DIR)'))
    .option('output', {
      alias: 'o',
      type: 'string',
      array: true,
      describe: 'Append every item to this feed: FILE or FILE:FORMAT (jsonl, json, csv; repeatable)',
    })
    .option('overwrite-output', {
      alias: 'O',
      type: 'string',
      array: true,
      describe: 'Like -o, but replace the file',
    });
}

/** How requests are sent: every command that crawls (`crawl`, `daily`, `worker`, `schedule`). */
export function fetchOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('api-url', text('API base URL (env COINGECKO_API_URL)'))
    .option(
      'concurrency',
      numberFlag('concurrency', `Most requests in flight (default ${DEFAULT_SETTINGS.CONCURRENT_REQUESTS})`),
    )
    .option(
      'rate-limit',
      numberFlag('rate-limit', "Most requests per minute (default: the API plan's, or learned from 429s)"),
    );
}

/** Flags that are settings: the argv key, the flag as users type it, the setting. */
const FLAG_SETTINGS: ReadonlyArray<[string, string, keyof Settings]> = [
  ['api-url', '--api-url', 'API_URL'],
  ['data-dir', '--data-dir', 'DATA_DIR'],
  ['job-dir', '--job-dir', 'JOB_DIR'],
  ['concurrency', '--concurrency', 'CONCURRENT_REQUESTS'],
  ['rate-limit', '--rate-limit', 'RATE_LIMIT'],
  ['log-level', '--log-level', 'LOG_LEVEL'],
  ['log-file', '--log-file', 'LOG_FILE'],
  ['out-dir', '--out-dir', 'FIGURES_DIR'],
  ['cron', '--cron', 'SCHEDULE_CRON'],
  ['host', '--host', 'SERVE_HOST'],
  ['port', '--port', 'SERVE_PORT'],
];

/**
 * Where a command's settings come from (environment, --set, flags), to be resolved once the spider
 * is known (its custom settings come between the defaults and these).
 */
export function settingSourcesFromArgv(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): SettingsSources {
  const flags: FlagValue[] = FLAG_SETTINGS.filter(([key]) => argv[key] !== undefined).map(
    ([key, flag, setting]) => ({ flag, setting, text: String(argv[key]) }),
  );
  if (argv['db-store'] !== undefined) {
    const value = argv['db-store'] === '' ? 'true' : String(argv['db-store']);
    if (parseBoolean(value) === undefined) {
      throw new UsageError(
        `--db-store ${JSON.stringify(value)}: expected no value, or true/false/yes/no/1/0`,
      );
    }
    flags.push({ flag: '--db-store', setting: 'DB_STORE', text: value });
  }
  const feeds = feedsFromCommandLine(
    (argv.output as string[] | undefined) ?? [],
    (argv['overwrite-output'] as string[] | undefined) ?? [],
  );
  for (const [uri, options] of Object.entries(feeds)) {
    flags.push({
      flag: options.overwrite ? '-O' : '-o',
      setting: 'FEEDS',
      key: uri,
      text: JSON.stringify(options),
    });
  }
  return { env, overrides: (argv.set as string[] | undefined) ?? [], flags };
}

/** The settings of a command that runs no spider: defaults < environment < --set < flags. */
export function settingsFromArgv(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): CrawlSettings {
  return resolveSettings(settingSourcesFromArgv(argv, env));
}

/** The `--format` flag of the commands that print rows (`report`, `runs`). */
export const formatOption = {
  alias: 'f',
  type: 'string',
  coerce: last,
  default: 'table',
  describe: `Output: ${REPORT_FORMATS.join(', ')}`,
} as const;

export function checkFormat(text: unknown): ReportFormat {
  const format = String(text ?? 'table');
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
  return format as ReportFormat;
}
