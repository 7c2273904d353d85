/**
 * Opens the database from the settings (running pending migrations) and wraps it in a PriceStore
 * whose retries are logged. One place for the crawl, `reprocess` and `migrate` commands.
 */
import type { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { PriceStore } from './price-store';

export interface OpenStore {
  dataSource: DataSource;
  store: PriceStore;
  /** Where the data goes, without the password. */
  description: string;
}

/** `logger` is read when a retry happens, so it may be set after the store is opened. */
export async function openPriceStore(settings: Settings, log: () => Logger | undefined): Promise<OpenStore> {
  // TypeORM, pg and PGlite take half a second to load: only the commands that use the database pay it.
  const [{ describeDatabase, errorSummary, openDatabase }, { PriceStore }] = await Promise.all([
    import('./data-source.js'),
    import('./price-store.js'),
  ]);
  const options = { databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR };
  const dataSource = await openDatabase(options);
  const store = new PriceStore(
    dataSource,
    {
      times: settings.DB_RETRY_TIMES,
      maxBackoffMs: settings.DB_RETRY_BACKOFF_MAX * 1000,
      onRetry: (attempt, waitMs, error) =>
        log()?.warn(`database: ${errorSummary(error)}; retry ${attempt} in ${waitMs} ms`),
    },
    { fullResponse: settings.DB_FULL_RESPONSE },
  );
  return { dataSource, store, description: describeDatabase(options) };
}
