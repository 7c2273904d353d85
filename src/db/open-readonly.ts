/**
 * Opens the stored prices to read them only (`report`): no migrations run, no table and no embedded
 * database is created. A mistyped `--data-dir` or an empty database must say "nothing stored here",
 * not make a new database that then answers with no rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { UsageError } from '../core/errors';
import type { Settings } from '../settings';

export interface StoredPrices {
  /** Open when there are prices to read; undefined when there is no database or no row. */
  dataSource?: DataSource;
  /** Where it looked, without the password. */
  description: string;
}

export async function openStoredPrices(settings: Settings): Promise<StoredPrices> {
  const { createDataSource, describeDatabase, errorSummary } = await import('./data-source.js');
  const options = { databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR };
  const description = describeDatabase(options);
  // PGlite would create a database in any folder it is given: look for one first (PG_VERSION is the
  // first file Postgres writes into a data folder).
  if (!options.databaseUrl && !existsSync(join(options.dataDir, 'db', 'PG_VERSION'))) return { description };

  const dataSource = createDataSource(options, { readOnly: true });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new UsageError(`database unreachable: ${description} (${errorSummary(error)})`, { seeHelp: false });
  }
  const [{ stored }] = (await dataSource.query(
    `SELECT to_regclass('coingecko_scraped_data') IS NOT NULL AS stored`,
  )) as { stored: boolean }[];
  const hasRows =
    stored &&
    (
      (await dataSource.query('SELECT EXISTS (SELECT 1 FROM coingecko_scraped_data) AS any')) as {
        any: boolean;
      }[]
    )[0].any;
  if (!hasRows) {
    await dataSource.destroy();
    return { description };
  }
  return { dataSource, description };
}

/**
 * A query's rows and its columns, also when it returns no row (so CSV always has its header).
 * TypeORM's `query` returns rows only; its driver's pool (pg's, or PGlite's stand-in) gives both.
 */
export async function queryWithColumns(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const pool = (
    dataSource.driver as unknown as { master: { query: (s: string, p: unknown[]) => Promise<unknown> } }
  ).master;
  const result = (await pool.query(sql, params)) as {
    rows: Record<string, unknown>[];
    fields: { name: string }[];
  };
  return { rows: result.rows, columns: result.fields.map((field) => field.name) };
}
