/**
 * A worker: takes one job at a time from the queues, in their order (the daily work before a long
 * backfill), runs it, and marks it completed or failed. Failed jobs are retried by pg-boss after
 * JOB_RETRY_DELAY, by whichever worker is free then.
 *
 * Stopping (SIGTERM, Ctrl-C) takes no new job and stops the running crawl the way `crawl` stops:
 * the requests in flight finish and their items are stored. The job is then released, which is
 * failing it with a "released" message: it goes back to the queue, and the worker that runs it next
 * fetches only the days still missing. So a stop loses nothing and fetches nothing twice.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'winston';
import { errorSummary } from '../db/data-source';
import { JobError, JobHandler } from './job-handlers';
import { QueueName, QUEUES } from './queue';

export interface JobWorkerOptions {
  boss: PgBoss;
  handlers: Record<QueueName, JobHandler>;
  logger: Logger;
  /** Seconds between looks at empty queues. */
  pollInterval: number;
}

/** Times a job's completion is written before giving up (the job then times out and runs again). */
const MARK_ATTEMPTS = 5;

export class JobWorker {
  private readonly stopping = new AbortController();

  constructor(private readonly options: JobWorkerOptions) {}

  /** Runs jobs until `stop`; resolves once the job in hand is completed or released. */
  async run(): Promise<void> {
    const { logger, pollInterval } = this.options;
    while (!this.stopping.signal.aborted) {
      let next: { queue: QueueName; job: PgBoss.JobWithMetadata<unknown> } | undefined;
      try {
        next = await this.nextJob();
      } catch (error) {
        logger.warn(`job queue: ${errorSummary(error)}; trying again in ${pollInterval} s`);
      }
      if (next) await this.runJob(next.queue, next.job);
      else await sleep(pollInterval * 1000, this.stopping.signal);
    }
  }

  stop(reason: string): void {
    this.stopping.abort(reason);
  }

  private async nextJob() {
    for (const queue of Object.values(QUEUES)) {
      const [job] = await this.options.boss.fetch<unknown>(queue, { includeMetadata: true, batchSize: 1 });
      if (job) return { queue, job };
    }
    return undefined;
  }

  private async runJob(queue: QueueName, job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
    const { boss, handlers } = this.options;
    const label = `${queue} ${job.singletonKey ?? job.id}`;
    const logger = this.options.logger.child({ label });
    const attempt = `attempt ${job.retryCount + 1} of ${job.retryLimit + 1}`;
    logger.info(`started (${attempt})`);
    try {
      const output = await handlers[queue](job, { logger, stop: this.stopping.signal });
      await this.mark(logger, () => boss.complete(queue, job.id, output));
      logger.info(`completed: ${JSON.stringify(output)}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const output = error instanceof JobError ? { message, ...error.output } : { message };
      await this.mark(logger, () => boss.fail(queue, job.id, output));
      const released = error instanceof JobError && error.released;
      const retries = job.retryCount < job.retryLimit;
      if (released) logger.warn(`${message}; back in the queue`);
      else logger.warn(`failed: ${message}${retries ? '; it will be retried' : '; no retries left'}`);
    }
  }

  /** Writes a job's end, retrying while the database is away (a restart). */
  private async mark(logger: Logger, write: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (attempt === MARK_ATTEMPTS) {
          logger.error(
            `could not record the job's end (${errorSummary(error)}); it will time out and run again`,
          );
          return;
        }
        await sleep(attempt * 1000);
      }
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
