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
import type { DatabaseOptions } from './describe';
import { describeDatabase, errorSummary } from './describe';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type { DatabaseOptions } from './describe';
export { describeDatabase, errorSummary };

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
 * `readOnly`: once the schema is up to date, the connection refuses writes (the status page's).
 */
export async function openDatabase(
  options: DatabaseOptions,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<DataSource> {
  if (readOnly && options.databaseUrl) {
    // Migrations write: they run on a connection of their own, and the pool is read-only.
    await (await openDatabase(options)).destroy();
    const dataSource = createDataSource(options, { readOnly });
    await initialize(dataSource, options);
    return dataSource;
  }
  const dataSource = createDataSource(options);
  await initialize(dataSource, options);
  try {
    await migrateAlone(dataSource, Boolean(options.databaseUrl));
    // PGlite has one connection: it turns read-only after its migrations.
    if (readOnly) await dataSource.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function initialize(dataSource: DataSource, options: DatabaseOptions): Promise<void> {
  try {
    if (!options.databaseUrl) mkdirSync(join(options.dataDir, 'db'), { recursive: true });
    await dataSource.initialize();
  } catch (error) {
    const message = `database unreachable: ${describeDatabase(options)} (${errorSummary(error)})`;
    throw new UsageError(message, { seeHelp: false });
  }
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
