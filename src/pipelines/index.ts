/**
 * The built-in pipelines ITEM_PIPELINES_BASE names (a spider may bring more of its own). Each is
 * built from the crawl's settings and the services opened for it (the database, when a pipeline
 * needs it); each says which item types it handles.
 */
import { UsageError } from '../core/errors';
import type { PipelineFactory } from '../core/pipeline';
import type { PriceStore } from '../db/price-store';
import { DedupePipeline } from './dedupe';
import { configuredFeeds } from '../feeds/feed-options';
import { FeedPipeline } from './feed';
import { JsonFilesPipeline } from './json-files';
import { PostgresStorePipeline } from './postgres-store';
import { ValidatePipeline } from './validate';

export interface PipelineServices {
  /** The crawl's spider, for file names. */
  spiderName: string;
  /** The database, opened when a pipeline of DATABASE_PIPELINES is enabled. */
  database?: { store: PriceStore; description: string };
}

/** Pipelines that need the database opened before they are built. */
export const DATABASE_PIPELINES: ReadonlySet<string> = new Set(['postgres-store']);

export const PIPELINES: Readonly<Record<string, PipelineFactory<PipelineServices>>> = {
  validate: () => new ValidatePipeline(),
  dedupe: () => new DedupePipeline(),
  'json-files': (settings, { spiderName }) =>
    new JsonFilesPipeline({
      dataDir: settings.DATA_DIR,
      template: settings.FILES_STORE,
      fields: settings.FILES_FIELDS,
      spiderName,
    }),
  'postgres-store': (settings, { database }) => {
    if (!database) throw new UsageError('postgres-store needs a database; pass --db-store');
    return new PostgresStorePipeline(database.store, settings.DB_BATCH_SIZE, database.description);
  },
  feed: (settings, { spiderName }) => new FeedPipeline(configuredFeeds(settings), spiderName),
};
