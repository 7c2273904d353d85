/**
 * The pipelines ITEM_PIPELINES can name. Each is built from the resolved settings and the services
 * the command opened (the database, when a pipeline needs it).
 */
import { UsageError } from '../core/errors';
import type { PipelineFactory } from '../core/pipeline';
import type { PriceStore } from '../db/price-store';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { DedupePipeline } from './dedupe';
import { FeedPipeline } from './feed';
import { JsonFilesPipeline } from './json-files';
import { PostgresStorePipeline } from './postgres-store';
import { ValidatePipeline } from './validate';

export interface PipelineServices {
  /** The database, opened when `postgres-store` is enabled. */
  priceStore?: PriceStore;
}

/** Pipelines that need the database. */
export const DATABASE_PIPELINES: ReadonlySet<string> = new Set(['postgres-store']);

export const PIPELINES: Readonly<Record<string, PipelineFactory<CoinHistoryItem, PipelineServices>>> = {
  validate: () => new ValidatePipeline(),
  dedupe: () => new DedupePipeline(),
  'json-files': (settings) => new JsonFilesPipeline(settings.DATA_DIR),
  'postgres-store': (settings, { priceStore }) => {
    if (!priceStore) throw new UsageError('postgres-store needs a database; pass --db-store');
    return new PostgresStorePipeline(priceStore, settings.DB_BATCH_SIZE);
  },
  feed: (settings) => new FeedPipeline(settings.FEED_URI, settings.FEED_OVERWRITE),
};
