/**
 * `crawl.ts backfill`: a range of days queued as jobs, one per coin and month, for any worker to
 * take. Several workers share it without doing a day twice (each job goes to one worker, and a
 * worker skips the days already stored); `coingecko-crawler runs` shows how far it got.
 */
import type { Argv } from 'yargs';
import { createLogger, flushLogger } from '../core/logger';
import { checkBackfillRequest } from '../scheduler/job-requests';
import { queueBackfillJobs } from '../scheduler/jobs';
import { openJobQueue, requireDatabaseUrl } from '../scheduler/queue';
import { DEFAULT_SPIDER } from '../spiders';
import { COMMAND_NAME } from './command-name';
import { commonOptions, last, rangeOptions, settingsFromArgv } from './options';

export function backfillOptions<T>(yargs: Argv<T>) {
  return commonOptions(rangeOptions(yargs, true)).option('spider', {
    type: 'string',
    coerce: last,
    default: DEFAULT_SPIDER,
    describe: 'Spider the jobs run (see `list`; coingecko_market_chart needs fewer requests)',
  });
}

export async function runBackfillCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const request = checkBackfillRequest({
    coinIds: argv['coin-id'] as string[],
    startDate: argv['start-date'] as string,
    endDate: argv['end-date'] as string | undefined,
    spider: String(argv.spider),
  });
  const settings = settingsFromArgv(argv, env);
  requireDatabaseUrl(settings);
  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  try {
    const boss = await openJobQueue(settings, logger);
    try {
      const jobs = await queueBackfillJobs(boss, settings, request);
      for (const job of jobs) {
        process.stdout.write(
          `${job.queued ? 'queued' : `already queued (${job.existing})`}: backfill ${job.key}\n`,
        );
      }
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
