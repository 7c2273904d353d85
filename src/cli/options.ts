/**
 * The command-line flags, and how the ones that are settings become settings. Every command shares
 * the common flags (`--data-dir`, `--set`, logging); `crawl` adds its own.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { FlagValue, parseBoolean, resolveSettings } from '../core/settings-loader';
import { DEFAULT_SETTINGS, Settings } from '../settings';
import { DEFAULT_SPIDER } from '../spiders';

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
export function rangeOptions<T>(yargs: Argv<T>, required: boolean) {
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
      ...text(
        required ? 'Last day, inclusive (default: the start day)' : 'Last day, inclusive (default: no limit)',
      ),
    });
}

export function crawlOptions<T>(yargs: Argv<T>) {
  return fetchOptions(commonOptions(rangeOptions(yargs, true)))
    .option('db-store', {
      alias: ['db_store', 'd'],
      ...text('Also store in the database (bare flag, or true/false/yes/no/1/0)'),
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Fetch days that are already stored again (default: skip them)',
    })
    .option('spider', { ...text('Spider to run (see `list`)'), default: DEFAULT_SPIDER })
    .option('job-dir', text('Keep the request queue here, to resume a stopped crawl (env JOB_DIR)'))
    .option('output', { alias: 'o', ...text('Also write every item to this JSON Lines feed') });
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
  ['output', '--output', 'FEED_URI'],
  ['log-level', '--log-level', 'LOG_LEVEL'],
  ['log-file', '--log-file', 'LOG_FILE'],
  ['out-dir', '--out-dir', 'FIGURES_DIR'],
  ['cron', '--cron', 'SCHEDULE_CRON'],
];

/**
 * The settings for a command: defaults < environment < --set < these flags. `-o FILE` also turns the
 * feed pipeline on, and `--db-store` the database pipeline, each at its usual place, unless
 * ITEM_PIPELINES already orders it.
 */
export function settingsFromArgv(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Settings {
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
  const overrides = (argv.set as string[] | undefined) ?? [];
  const settings = resolveSettings({ env, overrides, flags });
  const turnOn: string[] = [];
  if (settings.FEED_URI && argv.output !== undefined && settings.ITEM_PIPELINES.feed == null) {
    turnOn.push('ITEM_PIPELINES.feed=800');
  }
  if (settings.DB_STORE && settings.ITEM_PIPELINES['postgres-store'] == null) {
    turnOn.push('ITEM_PIPELINES.postgres-store=400');
  }
  return turnOn.length ? resolveSettings({ env, overrides: [...overrides, ...turnOn], flags }) : settings;
}
