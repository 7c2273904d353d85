/**
 * The pipelines ITEM_PIPELINES can name. Each is built from the resolved settings.
 */
import type { PipelineFactory } from '../core/pipeline';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { DedupePipeline } from './dedupe';
import { FeedPipeline } from './feed';
import { JsonFilesPipeline } from './json-files';
import { ValidatePipeline } from './validate';

export const PIPELINES: Readonly<Record<string, PipelineFactory<CoinHistoryItem>>> = {
  validate: () => new ValidatePipeline(),
  dedupe: () => new DedupePipeline(),
  'json-files': (settings) => new JsonFilesPipeline(settings.DATA_DIR),
  feed: (settings) => new FeedPipeline(settings.FEED_URI, settings.FEED_OVERWRITE),
};
