/**
 * `crawl.ts crawl` (the default command): the flags of DESIGN §3, checked before anything is sent,
 * then one crawl. Returns the exit code: 0 all stored, 1 some requests or items failed.
 */
import type { Argv } from 'yargs';
import { Engine } from '../core/engine';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import { PipelineChain } from '../core/pipeline';
import { Progress } from '../core/progress';
import { describeSettings, FlagValue, parseBoolean, resolveSettings } from '../core/settings-loader';
import { PIPELINES } from '../pipelines';
import { DEFAULT_SETTINGS, Settings } from '../settings';
import { DEFAULT_SPIDER, findSpider, SPIDERS } from '../spiders';
import { validateCrawlArgs } from './crawl-args';
import { logCrawlSummary } from './summary';

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
      demandOption: true,
      describe: 'First day, YYYY-MM-DD',
    })
    .option('end-date', {
      alias: ['end_date', 'e'],
      type: 'string',
      describe: 'Last day, inclusive (default: the start day)',
    })
    .option('db-store', {
      alias: ['db_store', 'd'],
      type: 'string',
      describe: 'Also store in the database (bare flag, or true/false/yes/no/1/0)',
    })
    .option('spider', { type: 'string', default: DEFAULT_SPIDER, describe: 'Spider to run (see `list`)' })
    .option('api-url', { type: 'string', describe: 'API base URL (env COINGECKO_API_URL)' })
    .option('data-dir', {
      type: 'string',
      describe: `Output root (env DATA_DIR; default ${DEFAULT_SETTINGS.DATA_DIR})`,
    })
    .option('job-dir', { type: 'string', describe: 'Keep crawl state here, to resume (env JOB_DIR)' })
    .option('concurrency', {
      type: 'string',
      describe: `Most requests in flight (default ${DEFAULT_SETTINGS.CONCURRENT_REQUESTS})`,
    })
    .option('rate-limit', { type: 'string', describe: 'Most requests per minute (default: no told limit)' })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'Also write every item to this JSON Lines feed',
    })
    .option('log-level', { type: 'string', describe: 'error, warn, info or debug (env LOG_LEVEL)' })
    .option('log-file', { type: 'string', describe: 'Also append the log to this file (env LOG_FILE)' })
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
  const SpiderClass = findSpider(argv.spider);
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
  return { args, settings, pipelines, spider: new SpiderClass(args, settings) };
}

export async function runCrawlCommand(argv: CrawlArgv, env: NodeJS.ProcessEnv): Promise<number> {
  const { settings, pipelines, spider } = prepareCrawl(argv, env);
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
    const result = await new Engine({ settings, logger, pipelines, progress }).run(spider);
    logCrawlSummary(result, logger);
    return result.failures.length === 0 && result.lostItems === 0 ? 0 : 1;
  } finally {
    await flushLogger(logger);
  }
}

function isTerminal(): boolean {
  return Boolean(process.stdout.isTTY && process.stderr.isTTY);
}
