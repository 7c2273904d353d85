/**
 * What the status page's routes share: the resolved settings, the database (read-only), the job
 * queue's tables, the action guard and the log. Built once by `crawl.ts serve`.
 */
import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import type { Queryable } from '../scheduler/runs';
import type { Settings } from '../settings';
import type { ActionGuard } from './auth';

export interface StatusContext {
  settings: Settings;
  /** The price tables, on a read-only connection. */
  dataSource: DataSource;
  /** Where the data is, in words, never with the password. */
  database: string;
  /** The job queue's tables (read-only); absent with the embedded database, which has no queue. */
  queueDb?: Queryable;
  guard: ActionGuard;
  logger: Logger;
  /** The job queue for actions, opened on the first one (the same code as `backfill`). */
  jobQueue(): Promise<PgBoss>;
  /** The clock: today (UTC) and the schedule are read from it. */
  now(): Date;
}
