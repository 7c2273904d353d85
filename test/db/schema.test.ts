/**
 * `sql/schema.sql` (for people and psql) and the migrations (the source of the schema) must build the
 * same tables and functions: each is applied to its own fresh database, and the two catalogs are compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/data-source';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { PROJECT_ROOT, tempDir } from '../helpers/cli';

let fromSql: TestDatabase;
let fromMigrations: TestDatabase;
beforeAll(async () => {
  [fromSql, fromMigrations] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([fromSql.drop(), fromMigrations.drop()]);
});

async function catalog(db: TestDatabase) {
  const columns = await db.query(
    `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
     FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name LIKE 'coingecko_%'
     ORDER BY table_name, ordinal_position`,
  );
  const constraints = await db.query(
    `SELECT conrelid::regclass::text AS table_name, conname, contype, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE conrelid::regclass::text LIKE 'coingecko_%' ORDER BY 1, 2`,
  );
  // lz4 for full_response (set by a migration, and in schema.sql): 'l'; '' is the server's default.
  const compression = await db.query(
    `SELECT attrelid::regclass::text AS table_name, attname, attcompression FROM pg_attribute
     WHERE attrelid::regclass::text LIKE 'coingecko_%' AND attnum > 0 AND attcompression <> '' ORDER BY 1, 2`,
  );
  // The store's function (coingecko_save_days), as the server prints it back.
  const functions = await db.query(
    `SELECT proname, pg_get_functiondef(oid) AS definition FROM pg_proc
     WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'coingecko_%' ORDER BY 1`,
  );
  return { columns, constraints, compression, functions };
}

it('sql/schema.sql builds exactly the tables the migrations build', async () => {
  await fromSql.query(readFileSync(join(PROJECT_ROOT, 'sql', 'schema.sql'), 'utf8'));
  const dataSource = await openDatabase({ databaseUrl: fromMigrations.url, dataDir: tempDir() });
  await dataSource.destroy();

  const expected = await catalog(fromMigrations);
  expect(expected.columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual([
    'coingecko_processed_data.coin_id',
    'coingecko_processed_data.year',
    'coingecko_processed_data.month',
    'coingecko_processed_data.usd_price_min',
    'coingecko_processed_data.usd_price_max',
    'coingecko_scraped_data.coin_id',
    'coingecko_scraped_data.date',
    'coingecko_scraped_data.usd_price',
    'coingecko_scraped_data.usd_market_cap',
    'coingecko_scraped_data.usd_total_volume',
    'coingecko_scraped_data.full_response',
    'coingecko_scraped_data.fetched_at',
  ]);
  expect(expected.compression).toEqual([
    { table_name: 'coingecko_scraped_data', attname: 'full_response', attcompression: 'l' },
  ]);
  expect(expected.functions.map((f) => f.proname)).toEqual(['coingecko_save_days']);
  expect(await catalog(fromSql)).toEqual(expected);
});

it('the entities describe the same columns as the migrations (TypeORM finds nothing to change)', async () => {
  const dataSource = await openDatabase({ databaseUrl: fromMigrations.url, dataDir: tempDir() });
  const pending = await dataSource.driver.createSchemaBuilder().log();
  await dataSource.destroy();
  expect(pending.upQueries.map((query) => query.query)).toEqual([]);
});
