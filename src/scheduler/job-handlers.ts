/**
 * What each queue's job does. The daily and backfill jobs are ordinary crawls (the same spider,
 * pipelines and incremental skip as `crawl.ts`), so a job that runs again, after a failure or a
 * stopped worker, fetches only the days that are still missing.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'winston';
import type { SettingsSources } from '../core/settings-loader';
import type { SharedLimit } from '../core/shared-limit';
import type { KeptAcrossCrawls } from '../crawler/kept-across-crawls';
import { CrawlRequest, openCrawl } from '../crawler/open-crawl';
import { runCrawl } from '../crawler/run-crawl';
import { describeFailures } from '../crawler/summary';
import type { Settings } from '../settings';
import { DEFAULT_SPIDER } from '../spiders';
import { coinRangeArguments } from '../spiders/coin-arguments';
import { utcDayOf } from '../util/dates';
import { BackfillJob, dailyRange, DailyJob, queueDailyJobs, ScheduleJob } from './jobs';
import { QueueName, QUEUES } from './queue';

/** What a finished crawl job reports (kept as the job's output, shown by `runs`). */
export interface CrawlJobOutput {
  itemsStored: number;
  skipped: number;
  requests: number;
  failed: number;
  seconds: number;
}

/** A job that did not finish: its message, and what it stored before it stopped. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly output: CrawlJobOutput,
    /** Stopped by its worker (a shutdown, or its time running out), not by a fault. */
    readonly stopped = false,
  ) {
    super(message);
  }
}

/** What a job runs with: the job's own log (its lines name the job), and its worker's stop signal. */
export interface JobContext {
  logger: Logger;
  stop: AbortSignal;
}

/** Runs a job; the output is kept with the job. Throwing fails it (retried after JOB_RETRY_DELAY). */
export type JobHandler = (job: PgBoss.JobWithMetadata<unknown>, context: JobContext) => Promise<object>;

/**
 * `settings` as the worker resolved them; `sources` to resolve each job's with its spider's own;
 * `kept`: the throttle, connections and database the worker keeps across its jobs (it closes them);
 * `sharedLimit`: the rate limit the worker shares with the others (RATE_LIMIT_SCOPE=database).
 */
export function jobHandlers(
  boss: PgBoss,
  settings: Settings,
  sources: SettingsSources,
  kept: KeptAcrossCrawls,
  sharedLimit?: SharedLimit,
): Record<QueueName, JobHandler> {
  const crawlJob = (request: CrawlRequest, context: JobContext) =>
    runCrawlJob(request, sources, kept, context, sharedLimit);
  return {
    [QUEUES.schedule]: async (job) => {
      const { coins = settings.DAILY_COINS, date = utcDayOf(job.createdOn) } = job.data as ScheduleJob;
      const jobs = await queueDailyJobs(boss, settings, coins, date);
      return { date, queued: jobs.filter((j) => j.queued).map((j) => j.key) };
    },
    [QUEUES.daily]: async (job, context) => {
      const { coinId, date } = job.data as DailyJob;
      const args = coinRangeArguments({ coinIds: [coinId], ...dailyRange(date, settings) });
      return crawlJob({ args, spiderName: DEFAULT_SPIDER }, context);
    },
    [QUEUES.backfill]: async (job, context) => {
      const { coinId, startDate, endDate, spider } = job.data as BackfillJob;
      const args = coinRangeArguments({ coinIds: [coinId], startDate, endDate });
      return crawlJob({ args, spiderName: spider }, context);
    },
  };
}

async function runCrawlJob(
  request: CrawlRequest,
  sources: SettingsSources,
  kept: KeptAcrossCrawls,
  { logger, stop }: JobContext,
  sharedLimit: SharedLimit | undefined,
): Promise<CrawlJobOutput> {
  const crawl = await openCrawl(request, sources, { sharedLimit, kept });
  try {
    const { result, complete, skipped, itemsStored } = await runCrawl(crawl, {
      logger,
      stopSignal: stop,
      resumeHint: 'the job goes back to the queue; the days not stored yet run again',
      kept,
      // One line per job (the worker's "completed"); the whole stats at --log-level debug.
      statsLevel: 'debug',
    });
    const output: CrawlJobOutput = {
      itemsStored,
      skipped,
      requests: result.requestCount,
      failed: result.failures.length,
      seconds: Number(result.stats['elapsed_time_seconds'] ?? 0),
    };
    if (result.stoppedBy) {
      throw new JobError(`stopped (${result.stoppedBy}) after storing ${itemsStored} items`, output, true);
    }
    if (!complete) {
      const failures = describeFailures(result.failures).map((line) => line.trim());
      const lost = result.lostItems ? [`${result.lostItems} items dropped as invalid`] : [];
      throw new JobError([...failures, ...lost].join('; '), output);
    }
    return output;
  } finally {
    await crawl.close();
  }
}
