/**
 * How the queues stand: jobs waiting, running, done and failed per queue (pg-boss's job table and its
 * archive), and how far the backfill has come. What `coingecko-crawler runs` prints above its table
 * and `runs --summary` alone.
 */
import { QUEUES } from './queue';
import { queueExists, Queryable } from './runs';

export interface QueueCounts {
  queue: string;
  /** created, or waiting to be retried. */
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface QueueSummary {
  queues: QueueCounts[];
  /** Every backfill job ever queued (not cancelled): how many are completed or failed for good. */
  backfill: { jobs: number; completed: number; failed: number; percent: number };
}

const SELECT_COUNTS = (schema: string) => `
  WITH jobs AS (
    SELECT name, state::text AS state FROM ${schema}.job WHERE name = ANY($1)
    UNION ALL
    SELECT name, state::text FROM ${schema}.archive WHERE name = ANY($1)
  )
  SELECT name AS queue,
         count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting,
         count(*) FILTER (WHERE state = 'active')::int AS active,
         count(*) FILTER (WHERE state = 'completed')::int AS completed,
         count(*) FILTER (WHERE state = 'failed')::int AS failed,
         count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled
    FROM jobs GROUP BY name`;

/** Every queue of QUEUES, in their order, with zeros for an empty one. */
export async function queueSummary(db: Queryable, schema: string): Promise<QueueSummary> {
  const names = Object.values(QUEUES);
  const rows = (await queueExists(db, schema))
    ? ((await db.query(SELECT_COUNTS(schema), [names])).rows as QueueCounts[])
    : [];
  const queues = names.map(
    (queue) =>
      rows.find((row) => row.queue === queue) ?? {
        queue,
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      },
  );
  const backfill = queues.find((row) => row.queue === QUEUES.backfill)!;
  const jobs = backfill.waiting + backfill.active + backfill.completed + backfill.failed;
  const percent = jobs === 0 ? 0 : Math.floor((1000 * backfill.completed) / jobs) / 10;
  return { queues, backfill: { jobs, completed: backfill.completed, failed: backfill.failed, percent } };
}

/** The summary as lines of text: one per queue, then the backfill's progress. */
export function summaryLines({ queues, backfill }: QueueSummary): string[] {
  const width = Math.max(...queues.map((row) => row.queue.length));
  return [
    ...queues.map(
      (row) =>
        `${row.queue.padEnd(width)}  ${row.waiting} waiting, ${row.active} active, ` +
        `${row.completed} completed, ${row.failed} failed`,
    ),
    backfill.jobs === 0
      ? 'backfill: nothing queued'
      : `backfill: ${backfill.percent.toFixed(1)} % done (${backfill.completed} of ${backfill.jobs} jobs completed, ` +
        `${backfill.failed} failed)`,
  ];
}
