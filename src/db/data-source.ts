/**
 * Where the tables live: Postgres at DATABASE_URL, or, without it, an embedded Postgres (PGlite)
 * under `<DATA_DIR>/db`, so `--db-store` works on a fresh machine with no server. Same entities,
 * same migrations, same SQL.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { UsageError } from '../core/errors';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseOptions {
  /** `postgres://user:password@host:port/db`; empty for the embedded database. */
  databaseUrl: string;
  /** The crawl's data folder: the embedded database goes to `<dataDir>/db`. */
  dataDir: string;
}

/** Where the data goes, in words, never with the password: `Postgres at 127.0.0.1:5432/test`. */
export function describeDatabase({ databaseUrl, dataDir }: DatabaseOptions): string {
  if (!databaseUrl) return `embedded Postgres (PGlite) in ${join(dataDir, 'db')}`;
  try {
    const url = new URL(databaseUrl);
    return `Postgres at ${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'Postgres at an unreadable DATABASE_URL';
  }
}

export function createDataSource(
  { databaseUrl, dataDir }: DatabaseOptions,
  { readOnly = false }: { readOnly?: boolean } = {},
): DataSource {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (databaseUrl) {
    // A dead server must fail fast at start, not hang the crawl. Read-only sessions (`report`) are
    // refused any write by the server itself.
    const extra = readOnly ? { options: '-c default_transaction_read_only=on' } : undefined;
    return new DataSource({ type: 'postgres', url: databaseUrl, connectTimeoutMS: 10_000, extra, ...common });
  }
  return new DataSource({
    type: 'postgres',
    driver: new PGliteDriver({ dataDir: join(dataDir, 'db') }).driver,
    ...common,
  });
}

/**
 * Connects and brings the schema up to date (runs pending migrations). A database that can't be
 * reached is a UsageError naming where it was looked for (exit code 2, before any request).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  try {
    if (!options.databaseUrl) mkdirSync(join(options.dataDir, 'db'), { recursive: true });
    await dataSource.initialize();
  } catch (error) {
    const message = `database unreachable: ${describeDatabase(options)} (${errorSummary(error)})`;
    throw new UsageError(message, { seeHelp: false });
  }
  try {
    await migrateAlone(dataSource, Boolean(options.databaseUrl));
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Any number fixed for this project: the key of the advisory lock that migrations take. */
const MIGRATION_LOCK = 7_140_331_862;

/**
 * Runs pending migrations, one process at a time: workers starting together on a new database would
 * otherwise create the same tables at once, and all but one would fail. PGlite has one client only.
 */
async function migrateAlone(dataSource: DataSource, shared: boolean): Promise<void> {
  if (!shared) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}

/** The error's code and first line, with any connection string removed. */
export function errorSummary(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const firstLine = String(message ?? error)
    .split('\n')[0]
    .replace(/postgres(ql)?:\/\/\S+/g, '<DATABASE_URL>');
  return code && !firstLine.includes(code) ? `${code}: ${firstLine}` : firstLine;
}
