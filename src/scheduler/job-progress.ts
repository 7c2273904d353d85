/**
 * How the queue's work stands, for the status page: each coin's backfill (how many of its month
 * chunks are done, running, waiting or failed) and the state of each coin's daily job for a day.
 * Read from pg-boss's job table, where jobs stay for a week after they finish.
 */
import { QUEUES } from './queue';
import { Queryable, queueExists } from './runs';

export interface BackfillProgress {
  coin: string;
  /** First and last day of its chunks. */
  first_day: string;
  last_day: string;
  chunks: number;
  completed: number;
  active: number;
  /** Created or waiting for a retry. */
  waiting: number;
  /** Failed with no retries left, or cancelled. */
  failed: number;
  items_stored: number;
}

/** Per coin, the latest job of each backfill chunk in the job table; the most recent backfill first. */
export async function backfillProgress(db: Queryable, schema: string): Promise<BackfillProgress[]> {
  if (!(await queueExists(db, schema))) return [];
  const { rows } = await db.query(
    `WITH chunks AS (
       SELECT DISTINCT ON (singleton_key) data, state::text AS state, output, created_on
         FROM ${schema}.job WHERE name = $1
        ORDER BY singleton_key, created_on DESC
     )
     SELECT data->>'coinId' AS coin,
            min(data->>'startDate') AS first_day,
            max(data->>'endDate') AS last_day,
            count(*)::int AS chunks,
            count(*) FILTER (WHERE state = 'completed')::int AS completed,
            count(*) FILTER (WHERE state = 'active')::int AS active,
            count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting,
            count(*) FILTER (WHERE state IN ('failed', 'cancelled'))::int AS failed,
            COALESCE(sum((output->>'itemsStored')::int) FILTER (WHERE state = 'completed'), 0)::int
              AS items_stored
       FROM chunks
      GROUP BY data->>'coinId'
      ORDER BY max(created_on) DESC, coin`,
    [QUEUES.backfill],
  );
  return rows as BackfillProgress[];
}

/** The state of each coin's daily job for `date` (the latest, if it was queued again), by coin. */
export async function dailyJobStates(
  db: Queryable,
  schema: string,
  date: string,
): Promise<Map<string, string>> {
  if (!(await queueExists(db, schema))) return new Map();
  const { rows } = await db.query(
    `SELECT DISTINCT ON (data->>'coinId') data->>'coinId' AS coin, state::text AS state
       FROM (SELECT data, state, created_on FROM ${schema}.job WHERE name = $1 AND data->>'date' = $2
             UNION ALL
             SELECT data, state, created_on FROM ${schema}.archive WHERE name = $1 AND data->>'date' = $2) jobs
      ORDER BY data->>'coinId', created_on DESC`,
    [QUEUES.daily, date],
  );
  return new Map((rows as { coin: string; state: string }[]).map((row) => [row.coin, row.state]));
}
