/**
 * `crawl.ts backfill`: a range of days queued as jobs, one per coin and month, for any worker to
 * take. Several workers share it without doing a day twice (each job goes to one worker, and a
 * worker skips the days already stored); `coingecko-crawler runs` shows how far it got.
 *
 * `--top N` and `--all` queue the whole market instead: the coins of the ranking or of `/coins/list`
 * (fetched first, a few requests through the same downloader and rate limit as the workers), each
 * over the days the plan serves, one market-chart job per coin (and per 365 days on the free plans;
 * see src/scheduler/market-backfill.ts).
 */
import type { Argv } from 'yargs';
import type { Logger } from 'winston';
import { createLogger, flushLogger } from '../core/logger';
import { UsageError } from '../core/errors';
import { resolveSettings, SettingsSources } from '../core/settings-loader';
import { CoinUniverse, fetchCoinIds } from '../scheduler/coin-universe';
import { checkBackfillRequest } from '../scheduler/job-requests';
import { BackfillRequest, queueBackfillJobs } from '../scheduler/jobs';
import { planMarketRange } from '../scheduler/market-backfill';
import type { Settings } from '../settings';
import { openJobQueue, requireDatabaseUrl } from '../scheduler/queue';
import { DEFAULT_SPIDER } from '../spiders';
import { COMMAND_NAME } from './command-name';
import { commonOptions, last, numberFlag, rangeOptions, settingSourcesFromArgv } from './options';

export function backfillOptions<T>(yargs: Argv<T>) {
  return commonOptions(rangeOptions(yargs, false, 'the start day; with --top/--all: today'))
    .option('spider', {
      type: 'string',
      coerce: last,
      describe: `Spider the jobs run (see \`list\`; default ${DEFAULT_SPIDER}; coingecko_market_chart needs fewer requests)`,
    })
    .option('top', {
      ...numberFlag(
        'top',
        'The top N coins by market cap instead of --coin-id, over the days the plan serves',
      ),
    })
    .option('api-url', {
      type: 'string',
      coerce: last,
      describe: 'API base URL for --top/--all, which list the coins first (env COINGECKO_API_URL)',
    })
    .option('all', {
      type: 'boolean',
      describe: 'Every coin of /coins/list instead of --coin-id, over the days the plan serves',
    });
}

/** What to queue: the flags checked, and for --top/--all the coins fetched. */
async function backfillRequest(
  argv: Record<string, unknown>,
  sources: SettingsSources,
  settings: Settings,
  logger: Logger,
): Promise<BackfillRequest> {
  const coinIds = argv['coin-id'] as string[] | undefined;
  const top = argv.top as number | string | undefined;
  const all = argv.all === true;
  const spider = argv.spider as string | undefined;
  if (top === undefined && !all) {
    if (!coinIds?.length) throw new UsageError('--coin-id, --top N or --all: which coins to backfill');
    if (argv['start-date'] === undefined) throw new UsageError('--start-date is required with --coin-id');
    return checkBackfillRequest({
      coinIds,
      startDate: argv['start-date'] as string,
      endDate: argv['end-date'] as string | undefined,
      spider: spider ?? DEFAULT_SPIDER,
    });
  }
  if ([coinIds?.length, top !== undefined, all].filter(Boolean).length > 1)
    throw new UsageError('--coin-id, --top and --all: give only one of them');
  if (top !== undefined && !(Number.isInteger(top) && Number(top) >= 1))
    throw new UsageError(`--top ${JSON.stringify(String(top))}: expected a whole number >= 1`);
  const range = planMarketRange(
    {
      startDate: argv['start-date'] as string | undefined,
      endDate: argv['end-date'] as string | undefined,
      spider,
    },
    settings,
  );
  // Before any request: the jobs need a queue.
  requireDatabaseUrl(settings);
  const universe: CoinUniverse = all ? { all: true } : { top: Number(top) };
  const ids = await fetchCoinIds(sources, universe, logger).catch((error: unknown) => {
    throw new UsageError(
      `${all ? '--all' : '--top'}: could not list the coins (${(error as Error).message})`,
      {
        seeHelp: false,
      },
    );
  });
  return { coinIds: ids, ...range };
}

export async function runBackfillCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const sources = settingSourcesFromArgv(argv, env);
  const settings = resolveSettings(sources);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    const request = await backfillRequest(argv, sources, settings, logger);
    requireDatabaseUrl(settings);
    const boss = await openJobQueue(settings, logger);
    try {
      const jobs = await queueBackfillJobs(boss, settings, request);
      // One line per job (tens of thousands for --all): written as one block.
      process.stdout.write(
        jobs
          .map(
            (job) => `${job.queued ? 'queued' : `already queued (${job.existing})`}: backfill ${job.key}\n`,
          )
          .join(''),
      );
      const queued = jobs.filter((job) => job.queued).length;
      logger.info(
        `${queued} of ${jobs.length} backfill jobs queued; a worker runs them (see: ${COMMAND_NAME} runs)`,
      );
    } finally {
      await boss.stop({ graceful: false });
    }
    return 0;
  } finally {
    await flushLogger(logger);
  }
}
