/**
 * The jobs and how they are queued. A job carries only what it is about (coin, days, spider);
 * the worker that runs it brings the settings (API key, rate limit share, database).
 */
import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Settings } from '../settings';
import { addDays, monthChunks } from '../util/dates';
import { jobOptions, QUEUES } from './queue';

/** The cron's job: queue the daily jobs for `date` (default: the UTC day the job was created). */
export interface ScheduleJob {
  date?: string;
}

/** One coin's day, and the days before it that the catch-up window covers. */
export interface DailyJob {
  coinId: string;
  date: string;
}

/** One coin's chunk of a backfill. */
export interface BackfillJob {
  coinId: string;
  startDate: string;
  endDate: string;
  spider: string;
}

/** A job offered to the queue: its key, and whether it was queued or was already there. */
export interface QueuedJob {
  key: string;
  queued: boolean;
}

/** The days a daily job crawls: `date` and the DAILY_CATCHUP_DAYS - 1 days before it. */
export function dailyRange(date: string, settings: Settings): { startDate: string; endDate: string } {
  return { startDate: addDays(date, 1 - settings.DAILY_CATCHUP_DAYS), endDate: date };
}

/**
 * One job per coin for `date`, each queued at most once however many schedulers (or
 * `daily --enqueue` calls) offer it: the job's id is derived from its key, and pg-boss inserts a job
 * whose id is taken as nothing. The singleton key is that key too, for people reading `runs`.
 */
export async function queueDailyJobs(
  boss: PgBoss,
  settings: Settings,
  coinIds: readonly string[],
  date: string,
): Promise<QueuedJob[]> {
  const jobs: QueuedJob[] = [];
  for (const coinId of coinIds) {
    const key = `${coinId}:${date}`;
    const data: DailyJob = { coinId, date };
    const id = await boss.send(QUEUES.daily, data, {
      ...jobOptions(settings),
      id: uuidOf(`${QUEUES.daily}:${key}`),
      singletonKey: key,
    });
    jobs.push({ key, queued: id !== null });
  }
  return jobs;
}

/**
 * One job per coin and month of start..end. The backfill queue keeps at most one waiting job per
 * key, so a backfill given twice is queued once; given again once it ran, it runs again, fetching
 * only the days still missing.
 */
export async function queueBackfillJobs(
  boss: PgBoss,
  settings: Settings,
  {
    coinIds,
    startDate,
    endDate,
    spider,
  }: { coinIds: string[]; startDate: string; endDate: string; spider: string },
): Promise<QueuedJob[]> {
  const jobs: QueuedJob[] = [];
  for (const coinId of coinIds) {
    for (const [first, last] of monthChunks(startDate, endDate)) {
      const key = `${coinId}:${first}..${last}`;
      const data: BackfillJob = { coinId, startDate: first, endDate: last, spider };
      const id = await boss.send(QUEUES.backfill, data, { ...jobOptions(settings), singletonKey: key });
      jobs.push({ key, queued: id !== null });
    }
  }
  return jobs;
}

/** A UUID that is a function of `key` (the layout of a version 5 UUID, from SHA-1). */
function uuidOf(key: string): string {
  const hex = createHash('sha1').update(key).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
