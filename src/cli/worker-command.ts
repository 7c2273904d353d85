/**
 * `crawl.ts schedule` and `crawl.ts worker`: long-running processes on the job queue.
 *
 * `schedule` keeps the cron schedule (SCHEDULE_CRON, default 03:00 UTC) in the queue and, unless
 * `--no-worker`, runs jobs too. `worker` only runs jobs; start as many as you like, here or on
 * other machines, against the same DATABASE_URL. SIGTERM or Ctrl-C: no new job is taken, the running
 * one stops after its requests in flight and goes back to the queue; a second signal quits at once.
 */
import type CronParser from 'cron-parser';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors';
import { createLogger, flushLogger } from '../core/logger';
import type { SharedLimit } from '../core/shared-limit';
import { KeptAcrossCrawls } from '../crawler/kept-across-crawls';
import { openSharedLimit } from '../crawler/shared-limit';
import { jobHandlers } from '../scheduler/job-handlers';
import type { ScheduleJob } from '../scheduler/jobs';
import { JobWorker } from '../scheduler/job-worker';
import { jobOptions, openJobQueue, QUEUES, requireDatabaseUrl } from '../scheduler/queue';
import type { Settings } from '../settings';
import { DEFAULT_SETTINGS } from '../settings';
import { resolveSettings } from '../core/settings-loader';
import { EXIT } from './exit-codes';
import { commonOptions, fetchOptions, last, settingSourcesFromArgv } from './options';
import { stopOnSignals } from './signals';

export function workerOptions<T>(yargs: Argv<T>) {
  return fetchOptions(commonOptions(yargs));
}

export function scheduleOptions<T>(yargs: Argv<T>) {
  return workerOptions(yargs)
    .option('cron', {
      type: 'string',
      coerce: last,
      describe: `When to queue the daily jobs (setting SCHEDULE_CRON, default "${DEFAULT_SETTINGS.SCHEDULE_CRON}", UTC)`,
    })
    .option('worker', {
      type: 'boolean',
      default: true,
      describe: 'Also run jobs in this process (--no-worker: only keep the schedule)',
    });
}

export async function runWorkerCommand(
  argv: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  { schedule }: { schedule: boolean },
): Promise<number> {
  // Jobs always store to the database: that is where the queue is, and what every worker shares.
  const sources = settingSourcesFromArgv({ ...argv, 'db-store': 'true' }, env);
  const settings = resolveSettings(sources);
  requireDatabaseUrl(settings);
  // Loaded here, not at start-up: only `schedule` uses it.
  const cronParser = schedule ? (await import('cron-parser')).default : undefined;
  if (cronParser) checkCron(cronParser, settings);
  const runsJobs = !schedule || argv.worker !== false;

  const logger = createLogger({ level: settings.LOG_LEVEL, file: settings.LOG_FILE || undefined });
  const boss = await openJobQueue(settings, logger, { schedule });
  // A worker that can't share the limit takes no job.
  let sharedLimit: SharedLimit | undefined;
  try {
    sharedLimit = runsJobs
      ? await openSharedLimit(settings, 'database', (message) => logger.warn(message))
      : undefined;
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }
  const kept = new KeptAcrossCrawls();
  const signals = stopOnSignals(
    logger,
    runsJobs ? 'taking no new job; the running one stops after its requests in flight' : 'stopping',
  );
  try {
    if (schedule) {
      const before = (await boss.getSchedules()).find((schedule) => schedule.name === QUEUES.schedule);
      if (before && before.cron !== settings.SCHEDULE_CRON)
        logger.warn(`schedule changed: it was "${before.cron}"`);
      const data: ScheduleJob = { coins: settings.DAILY_COINS };
      await boss.schedule(QUEUES.schedule, settings.SCHEDULE_CRON, data, {
        ...jobOptions(settings),
        tz: settings.SCHEDULE_TIMEZONE,
      });
      logger.info(
        `scheduled: daily jobs for ${settings.DAILY_COINS.join(', ')} at "${settings.SCHEDULE_CRON}" ` +
          `(${settings.SCHEDULE_TIMEZONE}), each with ${settings.DAILY_CATCHUP_DAYS} days of catch-up; ` +
          `next at ${nextFiring(cronParser as typeof CronParser, settings)}`,
      );
    }
    if (runsJobs) {
      logger.info(`worker ready: ${describeShare(settings, sharedLimit)}`);
      await new JobWorker({
        boss,
        schema: settings.QUEUE_SCHEMA,
        handlers: jobHandlers(boss, settings, sources, kept, sharedLimit),
        logger,
        pollInterval: settings.WORKER_POLL_INTERVAL,
        stop: signals.signal,
      }).run();
    } else {
      await new Promise((resolve) =>
        signals.signal.aborted ? resolve(undefined) : signals.signal.addEventListener('abort', resolve),
      );
    }
    if (!signals.signal.aborted) return EXIT.OK;
    logger.warn(
      `stopped (${String(signals.signal.reason)}): start it again to go on; ` +
        'queued jobs wait in the queue, a released one runs again from the days not stored yet',
    );
    return EXIT.SIGNAL;
  } finally {
    signals.dispose();
    await boss.stop({ graceful: false });
    await kept.close();
    await sharedLimit?.close();
    await flushLogger(logger);
  }
}

/** When the schedule fires next, in UTC (ISO 8601, to the minute). */
function nextFiring(cronParser: typeof CronParser, settings: Settings): string {
  const next = cronParser.parseExpression(settings.SCHEDULE_CRON, { tz: settings.SCHEDULE_TIMEZONE }).next();
  return `${next.toDate().toISOString().slice(0, 16)}Z`;
}

function checkCron(cronParser: typeof CronParser, settings: Settings): void {
  try {
    cronParser.parseExpression(settings.SCHEDULE_CRON, { tz: settings.SCHEDULE_TIMEZONE });
  } catch (error) {
    throw new UsageError(
      `SCHEDULE_CRON ${JSON.stringify(settings.SCHEDULE_CRON)}: not a cron expression (${(error as Error).message})`,
    );
  }
}

/** The API's rate limit this worker keeps, in words. */
function describeShare(settings: Settings, shared: SharedLimit | undefined): string {
  const limit = settings.RATE_LIMIT
    ? `at most ${settings.RATE_LIMIT} requests a minute`
    : "the plan's rate limit, or the one learned from 429s";
  return shared
    ? `${limit}, shared with every worker on the same API key (RATE_LIMIT_SCOPE=database)`
    : `${limit}, for this worker alone (RATE_LIMIT_SCOPE=process)`;
}
