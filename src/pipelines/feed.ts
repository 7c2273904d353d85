/**
 * `feed`: every item into the crawl's feeds (Scrapy's feed exports): FEEDS, `-o` / `-O`, or the
 * older FEED_URI, each a file in its format (src/exporters) written as items pass, never held in
 * memory. Each feed's file is put in place when the crawl closes, whole (see src/feeds/feed-file.ts);
 * the crawl's summary says when the crawl did not finish, so the feeds hold only what it got.
 * Turned on (at order 800) whenever a feed is configured.
 */
import { UsageError } from '../core/errors';
import type { ItemType } from '../core/item';
import type { ItemPipeline, PipelineContext } from '../core/pipeline';
import { EXPORTERS } from '../exporters';
import type { ItemExporter } from '../exporters/item-exporter';
import { expandFeedUri, FeedFile } from '../feeds/feed-file';
import { feedPath, FeedSpec } from '../feeds/feed-options';

interface OpenFeed {
  spec: FeedSpec;
  exporter: ItemExporter;
  file: FeedFile;
  items: number;
}

export class FeedPipeline implements ItemPipeline {
  private feeds: OpenFeed[] = [];
  private readonly startedAt = new Date();

  constructor(
    private readonly specs: readonly FeedSpec[],
    private readonly spiderName: string,
  ) {
    if (specs.length === 0) throw new UsageError('the feed pipeline is on but no feed is set; pass -o FILE');
  }

  /** The feeds' files, with `%(name)s` and `%(time)s` filled in (the time is the crawl's start). */
  get paths(): string[] {
    return this.specs.map((spec) => this.pathOf(spec));
  }

  describeStorage(): string {
    const feeds = this.specs.map((spec) => `${this.pathOf(spec)} (${spec.format})`);
    return `${feeds.length === 1 ? 'feed' : 'feeds'} ${feeds.join(', ')}`;
  }

  async open(): Promise<void> {
    const seen = new Set<string>();
    try {
      for (const spec of this.specs) {
        const path = this.pathOf(spec);
        if (seen.has(path)) throw new UsageError(`FEEDS: two feeds write ${path}`);
        seen.add(path);
        const exporter = EXPORTERS[spec.format]({ fields: spec.fields });
        const file = await FeedFile.open(path, {
          overwrite: spec.overwrite,
          encoding: spec.encoding,
          exporter,
        });
        this.feeds.push({ spec, exporter, file, items: 0 });
      }
    } catch (error) {
      await Promise.all(this.feeds.map((feed) => feed.file.discard()));
      this.feeds = [];
      throw error;
    }
  }

  async process(item: object, type: ItemType): Promise<object> {
    for (const feed of this.feeds) {
      if (feed.spec.itemTypes && !feed.spec.itemTypes.includes(type.name)) continue;
      await feed.file.write(feed.exporter.exportItem(item, type.fields));
      feed.items += 1;
    }
    return item;
  }

  async close({ logger, stats }: PipelineContext): Promise<void> {
    const feeds = this.feeds;
    this.feeds = [];
    // Every feed is closed even when one fails (a full disk); the first failure is rethrown after.
    let firstError: unknown;
    for (const feed of feeds) {
      try {
        await feed.file.commit(feed.exporter.end());
        stats.inc('feedexport/success_count');
        stats.inc(`feedexport/items_count/${feed.spec.format}`, feed.items);
        const how = feed.file.appended ? 'appended to' : 'written';
        logger.info(`feed ${how}: ${feed.file.path} (${feed.items} item(s), ${feed.spec.format})`);
      } catch (error) {
        stats.inc('feedexport/failed_count');
        logger.error(`feed ${feed.file.path} NOT written: ${(error as Error).message}`);
        await feed.file.discard();
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  private pathOf(spec: FeedSpec): string {
    return feedPath(expandFeedUri(spec.uri, this.spiderName, this.startedAt));
  }
}
