/**
 * The recent jobs, read from pg-boss's own tables (the job table, and the archive where pg-boss
 * moves old ones): what `coingecko-crawler runs` prints and the status page shows.
 */

import { QUEUES } from './queue';

/** A pg Client or Pool. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The states a job can be in, as `--state` and the status page's filter take them. */
export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'failed', 'cancelled'] as const;

export interface Run {
  queue: string;
  coin: string | null;
  /** The day (daily, and the schedule's job once it ran) or first..last day (backfill). */
  days: string | null;
  /** created (waiting), retry (waiting to be retried), active, completed, failed, cancelled. */
  state: string;
  /** Times a worker started it. */
  attempts: number;
  items_stored: number | null;
  /** From start to end of its last attempt, in seconds. */
  duration_s: number | null;
  created: string;
  error: string | null;
}

export interface RunsQuery {
  limit: number;
  /** Skip this many of the newest (for pages). */
  offset?: number;
  /** Only these states. */
  states?: string[];
  /** Only these queues (default: all of QUEUES). */
  queues?: string[];
}

const SELECT_RUNS = (schema: string) => `
  WITH jobs AS (
    SELECT name, data, state, retry_count, created_on, started_on, completed_on, output
      FROM ${schema}.job WHERE name = ANY($1)
    UNION ALL
    SELECT name, data, state, retry_count, created_on, started_on, completed_on, output
      FROM ${schema}.archive WHERE name = ANY($1)
  )
  SELECT name AS queue,
         data->>'coinId' AS coin,
         COALESCE(data->>'date', (data->>'startDate') || '..' || (data->>'endDate'), output->>'date') AS days,
         state::text AS state,
         retry_count + CASE WHEN started_on IS NULL THEN 0 ELSE 1 END AS attempts,
         (output->>'itemsStored')::int AS items_stored,
         round(extract(epoch FROM completed_on - started_on)::numeric, 1)::float AS duration_s,
         to_char(created_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created,
         CASE WHEN state::text IN ('failed', 'retry')
              -- ours are {message}; pg-boss's own (a time-out) are {value: {message}} or {value: text}
              THEN COALESCE(output->>'message', output#>>'{value,message}', output->>'value') END AS error
    FROM jobs
   WHERE $2::text[] IS NULL OR state::text = ANY($2)
   ORDER BY created_on DESC, name, data->>'coinId', data->>'startDate'
   LIMIT $3 OFFSET $4`;

/** The most recent jobs first; none when the queue was never created in this database. */
export async function listRuns(
  db: Queryable,
  schema: string,
  { limit, offset = 0, states, queues }: RunsQuery,
): Promise<Run[]> {
  if (!(await queueExists(db, schema))) return [];
  const { rows } = await db.query(SELECT_RUNS(schema), [
    queues ?? Object.values(QUEUES),
    states ?? null,
    limit,
    offset,
  ]);
  return rows as Run[];
}

/** Whether pg-boss's tables are in this database (a job was ever queued or a worker started). */
export async function queueExists(db: Queryable, schema: string): Promise<boolean> {
  const { rows } = await db.query('SELECT to_regclass($1) AS job', [`${schema}.job`]);
  return (rows[0] as { job: string | null }).job !== null;
}

/** Runs `work` on a connection of its own to `databaseUrl`, closed afterwards (the commands' way). */
export async function withClient<T>(databaseUrl: string, work: (db: Queryable) => Promise<T>): Promise<T> {
  // Loaded here, not at start-up: only `runs` and the status page use it.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
