/**
 * A worker: takes one job at a time from the queues, in their order (the daily work before a long
 * backfill), runs it, and marks it completed or failed. Failed jobs are retried by pg-boss after
 * JOB_RETRY_DELAY, by whichever worker is free then.
 *
 * Stopping (SIGTERM, Ctrl-C) takes no new job and stops the running crawl the way `crawl` stops:
 * the requests in flight finish and their items are stored. The job is then released: back in the
 * queue at once, the attempt not counted, and the worker that runs it next fetches only the days
 * still missing. So a stop loses nothing and fetches nothing twice.
 *
 * pg-boss 10 has no heartbeat: a job still active after JOB_TIMEOUT is taken for a dead worker's and
 * handed to another. So a job is stopped at 90 % of its time-out and failed (the attempt counts),
 * rather than run twice at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import type { Logger } from 'winston';
import { errorSummary } from '../db/describe';
import { describeJobOutput } from './job-output';
import { JobError, JobHandler } from './job-handlers';
import { QueueName, QUEUES } from './queue';

export interface JobWorkerOptions {
  boss: PgBoss;
  /** The queue's schema (QUEUE_SCHEMA), for the release. */
  schema: string;
  handlers: Record<QueueName, JobHandler>;
  logger: Logger;
  /** Seconds between looks at empty queues. */
  pollInterval: number;
  /** Aborting it stops the worker (the reason, e.g. SIGTERM, goes in the log and the job's output). */
  stop: AbortSignal;
}

type Job = PgBoss.JobWithMetadata<unknown>;

/** Times a job's end is written before giving up (the job then times out and runs again). */
const MARK_ATTEMPTS = 5;
/** Share of JOB_TIMEOUT after which a running job is stopped. */
const DEADLINE_SHARE = 0.9;
const DEADLINE = 'JOB_TIMEOUT';

/**
 * Puts an active job back as waiting, to run at once: pg-boss 10 has no call for it (`fail` would
 * count the attempt and wait JOB_RETRY_DELAY). The next fetch adds one to `retry_count`, as the job
 * has started before, so `retry_limit` gets one more to leave the retries as they were.
 */
const releaseSql = (schema: string) => `
  UPDATE ${schema}.job
     SET state = 'retry', start_after = now(), retry_limit = retry_limit + 1, output = $3::jsonb
   WHERE name = $1 AND id = $2 AND state = 'active'`;

export class JobWorker {
  constructor(private readonly options: JobWorkerOptions) {}

  /** Runs jobs until stopped; resolves once the job in hand is completed or released. */
  async run(): Promise<void> {
    const { logger, pollInterval, stop } = this.options;
    // Said once each time the queues run dry, not at every poll.
    let saidIdle = false;
    while (!stop.aborted) {
      let next: { queue: QueueName; job: Job } | undefined;
      try {
        next = await this.nextJob();
      } catch (error) {
        // pg-boss's fetch keeps database errors to itself (they reach its `error` event); this is
        // for anything else, so that one bad poll does not end the worker.
        logger.warn(`job queue: ${errorSummary(error)}; trying again in ${pollInterval} s`);
      }
      if (next) {
        saidIdle = false;
        await this.runJob(next.queue, next.job);
        continue;
      }
      if (!saidIdle) logger.info(`queue empty: waiting for jobs (looking every ${pollInterval} s)`);
      saidIdle = true;
      // Woken early by a stop; the abort's rejection is just that.
      await sleep(pollInterval * 1000, undefined, { signal: stop }).catch(() => undefined);
    }
  }

  private async nextJob() {
    for (const queue of Object.values(QUEUES)) {
      const [job] = await this.options.boss.fetch<unknown>(queue, { includeMetadata: true, batchSize: 1 });
      if (job) return { queue, job };
    }
    return undefined;
  }

  private async runJob(queue: QueueName, job: Job): Promise<void> {
    const { boss, handlers, stop } = this.options;
    const logger = this.options.logger.child({ label: `${queue} ${job.singletonKey ?? job.id}` });
    if (stop.aborted) {
      await this.release(logger, queue, job, `released: worker stopped (${stop.reason}) before it started`);
      return;
    }
    logger.info(`started (attempt ${job.retryCount + 1} of ${job.retryLimit + 1})`);
    // pg-boss reads it as Postgres numeric text ("1800.000000").
    const timeoutSeconds = Number(job.expireInSeconds);
    const attempt = new AbortController();
    const onStop = () => attempt.abort(stop.reason);
    stop.addEventListener('abort', onStop);
    const deadline = setTimeout(() => attempt.abort(DEADLINE), timeoutSeconds * DEADLINE_SHARE * 1000);
    try {
      const output = await handlers[queue](job, { logger, stop: attempt.signal });
      await this.mark(logger, () => boss.complete(queue, job.id, output));
      logger.info(`completed: ${describeJobOutput(output)}`);
    } catch (error) {
      let message = error instanceof Error ? error.message : String(error);
      if (error instanceof JobError && error.stopped) {
        if (attempt.signal.reason !== DEADLINE) {
          await this.release(logger, queue, job, `released: worker ${message}`, error.output);
          return;
        }
        message += `: ran out of time (JOB_TIMEOUT is ${timeoutSeconds} s)`;
      }
      const output = error instanceof JobError ? { message, ...error.output } : { message };
      await this.mark(logger, () => boss.fail(queue, job.id, output));
      const retries = job.retryCount < job.retryLimit;
      logger.warn(`failed: ${message}${retries ? '; it will be retried' : '; no retries left'}`);
    } finally {
      clearTimeout(deadline);
      stop.removeEventListener('abort', onStop);
    }
  }

  private async release(logger: Logger, queue: QueueName, job: Job, message: string, output: object = {}) {
    const sql = releaseSql(this.options.schema);
    await this.mark(logger, () =>
      this.options.boss.getDb().executeSql(sql, [queue, job.id, { ...output, message }]),
    );
    logger.warn(`${message}; back in the queue`);
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
