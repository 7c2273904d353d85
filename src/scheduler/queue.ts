/**
 * The job queue: pg-boss on the Postgres the crawler already stores to (DATABASE_URL), in its own
 * schema. The scheduler, every worker, `backfill`, `daily --enqueue` and `runs` meet here, on this
 * machine or others. pg-boss hands each job to one worker at a time (`FOR UPDATE SKIP LOCKED`),
 * retries failed ones after a delay, and fails a job whose worker vanished once JOB_TIMEOUT passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolConfig } from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from 'winston';
import { UsageError } from '../core/errors';
import { describeDatabase, errorSummary } from '../db/describe';
import type { Settings } from '../settings';

/** The queues, in the order a worker looks at them: the daily work goes before a long backfill. */
export const QUEUES = {
  /** One job per scheduled time (cron); its worker queues that day's coin jobs. */
  schedule: 'daily-schedule',
  /** One job per coin and day: the day and its catch-up window. */
  daily: 'daily',
  /** One job per coin and chunk (a month) of a backfill. */
  backfill: 'backfill',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface QueueOptions {
  /** Runs the cron schedule (only `schedule` does; any number of them may run). */
  schedule?: boolean;
}

/** Connects, creates or updates pg-boss's tables, and creates the queues. */
export async function openJobQueue(
  settings: Settings,
  logger: Logger,
  { schedule = false }: QueueOptions = {},
): Promise<PgBoss> {
  // pg-boss hands its options to pg's Pool too: the connection time-out is one of those.
  const options: PgBoss.ConstructorOptions & PoolConfig = {
    connectionString: requireDatabaseUrl(settings),
    schema: settings.QUEUE_SCHEMA,
    application_name: `${settings.BOT_NAME}-queue`,
    max: 4,
    // A server that never answers fails the start in seconds, as the crawl's own connection does.
    connectionTimeoutMillis: 10_000,
    schedule,
    // Jobs stay in the job table (where `runs` and the once-per-coin-and-day check look) for a week.
    archiveCompletedAfterSeconds: 7 * 24 * 3600,
    archiveFailedAfterSeconds: 7 * 24 * 3600,
    deleteAfterDays: 30,
    maintenanceIntervalSeconds: settings.QUEUE_MAINTENANCE_INTERVAL,
  };
  // Loaded here, not at start-up: only the commands that use the queue pay for it.
  const { default: PgBossClass } = await import('pg-boss');
  const boss = new PgBossClass(options);
  // pg-boss reports trouble in its background loops (a database restart, say) as events; it retries them.
  boss.on('error', (error: Error) => logger.warn(`job queue: ${errorSummary(error)}`));
  try {
    await boss.start();
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw queueUnreachable(settings, error);
  }
  try {
    await createQueues(boss, settings);
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw error;
  }
  return boss;
}

/** Tries at making the queues: processes that start together can collide (see createQueues). */
const CREATE_ATTEMPTS = 5;

/**
 * Creates the queues that don't exist yet. Two processes starting together on a new database may
 * both create one at once; Postgres then fails one of them (a deadlock, or a duplicate), which
 * waits a moment and finds the queue made by the other.
 */
async function createQueues(boss: PgBoss, settings: Settings): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      for (const name of Object.values(QUEUES)) {
        // Duplicates are kept out where jobs are queued (jobs.ts), not by a queue policy.
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...jobOptions(settings) });
      }
      return;
    } catch (error) {
      if (attempt === CREATE_ATTEMPTS) throw error;
      await sleep(100 + Math.random() * 400 * attempt);
    }
  }
}

/** Retries and time-out of every job, from the settings of the process that queues it. */
export function jobOptions(settings: Settings) {
  return {
    retryLimit: settings.JOB_RETRY_LIMIT,
    retryDelay: settings.JOB_RETRY_DELAY,
    expireInSeconds: settings.JOB_TIMEOUT,
  };
}

/** Exit 2, naming where the queue was looked for (never the password) and why it failed. */
export function queueUnreachable(settings: Settings, error: unknown): UsageError {
  const where = describeDatabase({ databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR });
  return new UsageError(`job queue unreachable: ${where} (${errorSummary(error)})`, { seeHelp: false });
}

/** The queue lives in Postgres, so the commands that use it need a server every worker can reach. */
export function requireDatabaseUrl(settings: Settings): string {
  if (settings.DATABASE_URL) return settings.DATABASE_URL;
  throw new UsageError(
    'the job queue needs a Postgres server: set DATABASE_URL (e.g. postgres://user@host:5432/db)',
  );
}
