/**
 * The jobs and how they are queued. A job carries only what it is about (coin, days, spider);
 * the worker that runs it brings the settings (API key, rate limit share, database).
 */
import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Settings } from '../settings';
import { addDays, monthChunks } from '../util/dates';
import { jobOptions, QUEUES } from './queue';

/**
 * The cron's job: queue the daily jobs of `coins` (the scheduler's DAILY_COINS, so any worker may
 * take it) for `date` (default: the UTC day the job was created).
 */
export interface ScheduleJob {
  coins?: string[];
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

/** A job offered to the queue: its key, and whether it was queued or, if not, the state of the one there. */
export interface QueuedJob {
  key: string;
  queued: boolean;
  /** The state of the job already there (created, retry, active, completed, failed). */
  existing?: string;
}

/** What `backfill` asks for. */
export interface BackfillRequest {
  coinIds: string[];
  startDate: string;
  endDate: string;
  spider: string;
  /** Days per job. Absent: a job per calendar month. */
  chunkDays?: number;
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
    const id = uuidOf(`${QUEUES.daily}:${key}`);
    const sent = await boss.send(QUEUES.daily, data, { ...jobOptions(settings), id, singletonKey: key });
    const existing = sent === null ? (await boss.getJobById(QUEUES.daily, id))?.state : undefined;
    jobs.push({ key, queued: sent !== null, existing });
  }
  return jobs;
}

/**
 * One job per coin and month of start..end, but none for a chunk whose job is still waiting or
 * running: a backfill given twice is queued once. Given again after it ran, it runs again and
 * fetches only the days still missing. (Two backfills given at the same instant could both queue a
 * chunk; the later run would then find its days stored.)
 */
export async function queueBackfillJobs(
  boss: PgBoss,
  settings: Settings,
  { coinIds, startDate, endDate, spider, chunkDays }: BackfillRequest,
): Promise<QueuedJob[]> {
  const ranges = chunkDays ? dayChunks(startDate, endDate, chunkDays) : monthChunks(startDate, endDate);
  const chunks = coinIds.flatMap((coinId) =>
    ranges.map(([first, last]) => ({ coinId, first, last, key: `${coinId}:${first}..${last}` })),
  );
  const { rows } = await boss.getDb().executeSql(
    `SELECT singleton_key, state::text FROM ${settings.QUEUE_SCHEMA}.job
      WHERE name = $1 AND state < 'completed' AND singleton_key = ANY($2)`,
    [QUEUES.backfill, chunks.map((chunk) => chunk.key)],
  );
  const unfinished = new Map(
    (rows as { singleton_key: string; state: string }[]).map((r) => [r.singleton_key, r.state]),
  );
  const jobs: QueuedJob[] = [];
  const inserts: PgBoss.JobInsert<BackfillJob>[] = [];
  for (const { coinId, first, last, key } of chunks) {
    const existing = unfinished.get(key);
    if (existing === undefined) {
      const data: BackfillJob = { coinId, startDate: first, endDate: last, spider };
      inserts.push({ name: QUEUES.backfill, data, ...jobOptions(settings), singletonKey: key });
    }
    jobs.push({ key, queued: existing === undefined, existing });
  }
  // The whole market is tens of thousands of jobs: one statement per thousand, not one each.
  for (let start = 0; start < inserts.length; start += 1000)
    await boss.insert(inserts.slice(start, start + 1000));
  return jobs;
}

/** start..end cut into runs of `size` days (the last one shorter). */
export function dayChunks(start: string, end: string, size: number): [first: string, last: string][] {
  const chunks: [string, string][] = [];
  for (let first = start; first <= end; first = addDays(first, size)) {
    const last = addDays(first, size - 1);
    chunks.push([first, last < end ? last : end]);
  }
  return chunks;
}

/** A UUID that is a function of `key` (the layout of a version 5 UUID, from SHA-1). */
function uuidOf(key: string): string {
  const hex = createHash('sha1').update(key).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
