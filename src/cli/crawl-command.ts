/**
 * `crawl.ts crawl` (the default command): the flags of DESIGN §3, checked before anything is sent,
 * then one crawl. Returns the exit code: 0 all stored, 1 some requests or items failed.
 */
import type { Argv } from 'yargs';
import { CrawlResult, Engine } from '../core/engine';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { PipelineChain } from '../core/pipeline';
import { Progress } from '../core/progress';
import { describeSettings, FlagValue, parseBoolean, resolveSettings } from '../core/settings-loader';
import type { SpiderArgs } from '../core/spider';
import { PIPELINES } from '../pipelines';
import { storedDayFiles } from '../pipelines/json-files';
import { todayUtc } from '../util/dates';
import { DEFAULT_SETTINGS, Settings } from '../settings';
import { DEFAULT_SPIDER, findSpider, SPIDERS } from '../spiders';
import { validateCrawlArgs } from './crawl-args';
import { logCrawlSummary } from './summary';

/** A flag given twice: the last one wins, as in most command lines. */
const last = (value: string | string[]) => (Array.isArray(value) ? value[value.length - 1] : value);

export function crawlOptions(yargs: Argv) {
  return yargs
    .option('coin-id', {
      alias: ['coin_id', 'c'],
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'CoinGecko coin id(s), space or comma separated',
    })
    .option('start-date', {
      alias: ['start_date', 's'],
      type: 'string',
      coerce: last,
      demandOption: true,
      describe: 'First day, YYYY-MM-DD',
    })
    .option('end-date', {
      alias: ['end_date', 'e'],
      type: 'string',
      coerce: last,
      describe: 'Last day, inclusive (default: the start day)',
    })
    .option('db-store', {
      alias: ['db_store', 'd'],
      type: 'string',
      coerce: last,
      describe: 'Also store in the database (bare flag, or true/false/yes/no/1/0)',
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Fetch days that are already stored again (default: skip them)',
    })
    .option('spider', {
      type: 'string',
      coerce: last,
      default: DEFAULT_SPIDER,
      describe: 'Spider to run (see `list`)',
    })
    .option('api-url', { type: 'string', coerce: last, describe: 'API base URL (env COINGECKO_API_URL)' })
    .option('data-dir', {
      type: 'string',
      coerce: last,
      describe: `Output root (env DATA_DIR; default ${DEFAULT_SETTINGS.DATA_DIR})`,
    })
    .option('job-dir', {
      type: 'string',
      coerce: last,
      describe: 'Keep crawl state here, to resume (env JOB_DIR)',
    })
    .option('concurrency', {
      type: 'string',
      coerce: last,
      describe: `Most requests in flight (default ${DEFAULT_SETTINGS.CONCURRENT_REQUESTS})`,
    })
    .option('rate-limit', {
      type: 'string',
      coerce: last,
      describe: 'Most requests per minute (default: no told limit)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      coerce: last,
      describe: 'Also write every item to this JSON Lines feed',
    })
    .option('log-level', {
      type: 'string',
      coerce: last,
      describe: 'error, warn, info or debug (env LOG_LEVEL)',
    })
    .option('log-file', {
      type: 'string',
      coerce: last,
      describe: 'Also append the log to this file (env LOG_FILE)',
    })
    .option('set', {
      type: 'string',
      array: true,
      describe: 'Override any setting: --set NAME=VALUE (repeatable)',
    });
}

type CrawlArgv = Awaited<ReturnType<typeof crawlOptions>['argv']>;

/** Explicit flags that are settings, as typed, with the flag's name for error messages. */
const FLAG_SETTINGS: ReadonlyArray<[keyof CrawlArgv, string, keyof Settings]> = [
  ['api-url', '--api-url', 'API_URL'],
  ['data-dir', '--data-dir', 'DATA_DIR'],
  ['job-dir', '--job-dir', 'JOB_DIR'],
  ['concurrency', '--concurrency', 'CONCURRENT_REQUESTS'],
  ['rate-limit', '--rate-limit', 'RATE_LIMIT'],
  ['output', '--output', 'FEED_URI'],
  ['log-level', '--log-level', 'LOG_LEVEL'],
  ['log-file', '--log-file', 'LOG_FILE'],
];

/** Everything a crawl needs, checked: nothing has been sent or written yet. */
export function prepareCrawl(argv: CrawlArgv, env: NodeJS.ProcessEnv) {
  const args = validateCrawlArgs({
    coinIds: argv['coin-id'],
    startDate: argv['start-date'],
    endDate: argv['end-date'],
  });
  const SpiderClass = findSpider(argv.spider as string);
  if (!SpiderClass) {
    const known = SPIDERS.map((spider) => spider.spiderName).join(', ');
    throw new UsageError(`--spider ${JSON.stringify(argv.spider)}: unknown spider (known: ${known})`);
  }

  const flags: FlagValue[] = FLAG_SETTINGS.filter(([key]) => argv[key] !== undefined).map(
    ([key, flag, setting]) => ({
      flag,
      setting,
      text: String(argv[key]),
    }),
  );
  if (argv['db-store'] !== undefined) {
    const text = argv['db-store'] === '' ? 'true' : argv['db-store'];
    if (parseBoolean(text) === undefined) {
      throw new UsageError(`--db-store ${JSON.stringify(text)}: expected no value, or true/false/yes/no/1/0`);
    }
    flags.push({ flag: '--db-store', setting: 'DB_STORE', text });
  }
  let settings = resolveSettings({ env, overrides: argv.set ?? [], flags });
  if (argv.output !== undefined && settings.ITEM_PIPELINES.feed == null) {
    // `-o FILE` asks for the feed: turn the pipeline on at its usual place, last.
    settings = resolveSettings({ env, overrides: [...(argv.set ?? []), 'ITEM_PIPELINES.feed=800'], flags });
  }
  const pipelines = PipelineChain.fromSettings(PIPELINES, settings);
  const skipped = { count: 0 };
  const storedCheck = argv.force ? undefined : storedDaysCheck(settings, pipelines.names);
  const isStored = storedCheck
    ? (coinId: string, date: string) => {
        const stored = storedCheck(coinId, date);
        if (stored) skipped.count += 1;
        return stored;
      }
    : undefined;
  const spiderArgs: SpiderArgs = { ...args, isStored };
  return { settings, pipelines, skipped, spider: new SpiderClass(spiderArgs, settings) };
}

/** A day counts as stored when every enabled store has it; no store, nothing is skipped. */
function storedDaysCheck(settings: Settings, pipelineNames: string[]) {
  if (!pipelineNames.includes('json-files')) return undefined;
  return storedDayFiles(settings.DATA_DIR, todayUtc());
}

export async function runCrawlCommand(argv: CrawlArgv, env: NodeJS.ProcessEnv): Promise<number> {
  const { settings, pipelines, skipped, spider } = prepareCrawl(argv, env);
  const showBar = settings.PROGRESS_BAR === 'on' || (settings.PROGRESS_BAR === 'auto' && isTerminal());
  const progress = new Progress(showBar);
  const logger = createLogger({
    level: settings.LOG_LEVEL,
    file: settings.LOG_FILE || undefined,
    consoleStream: progress.logStream(),
  });
  try {
    logger.debug(`settings: ${JSON.stringify(describeSettings(settings))}`);
    if (settings.DB_STORE) {
      logger.warn('--db-store: database storage is not available in this version yet; storing files only');
    }
    const engine = new Engine({ settings, logger, pipelines, progress });
    const stopOnSignal = (signal: NodeJS.Signals) => {
      if (stopRequested) process.exit(130); // a second Ctrl-C: quit at once
      stopRequested = true;
      logger.warn(`${signal}: stopping after the requests in flight (press Ctrl-C again to quit at once)`);
      engine.stop(signal);
    };
    let stopRequested = false;
    let result: CrawlResult | undefined;
    process.on('SIGINT', stopOnSignal).on('SIGTERM', stopOnSignal);
    try {
      result = await engine.run(spider, settings.RATE_LIMIT || spider.rateLimitPreset());
    } finally {
      process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
    }
    logCrawlSummary(result, logger, { skipped: skipped.count, resumeHint: resumeHint(settings) });
    const complete = result.failures.length === 0 && result.lostItems === 0 && !result.stoppedBy;
    return complete ? 0 : 1;
  } finally {
    await flushLogger(logger);
  }
}

/** How to finish a stopped crawl: the same command again (the job dir, or the incremental skip, resumes it). */
function resumeHint(settings: Settings): string {
  return settings.JOB_DIR
    ? `run the same command again (with --job-dir ${settings.JOB_DIR}) to resume`
    : 'run the same command again to fetch the days not stored yet';
}

function isTerminal(): boolean {
  return Boolean(process.stdout.isTTY && process.stderr.isTTY);
}
