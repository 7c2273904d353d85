/**
 * `feed`: every item of the crawl as one JSON Lines file (Scrapy's FEEDS), off by default; `-o FILE`
 * or FEED_URI turns it on. Lines go to a temporary file that is renamed into place when the crawl
 * closes, so the feed is complete or absent, never half-written. `%(name)s` and `%(time)s` in
 * FEED_URI become the spider name and the start time.
 */
import { once } from 'node:events';
import { createWriteStream, promises as fs, WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError } from '../core/errors';
import type { ItemPipeline, PipelineContext } from '../core/pipeline';

export class FeedPipeline implements ItemPipeline {
  private stream: WriteStream | undefined;
  private path = '';
  private temporary = '';

  constructor(
    private readonly uri: string,
    private readonly overwrite: boolean,
  ) {}

  async open({ spiderName }: PipelineContext): Promise<void> {
    if (!this.uri) throw new UsageError('the feed pipeline is on but FEED_URI is empty; pass -o FILE');
    const time = new Date().toISOString().replace(/[:.]/g, '-');
    this.path = this.uri.replace(/%\(name\)s/g, spiderName).replace(/%\(time\)s/g, time);
    if (!this.overwrite && (await exists(this.path))) {
      throw new UsageError(
        `feed ${this.path} exists; remove it, or replace it with --set FEED_OVERWRITE=true (env CRAWLER_FEED_OVERWRITE=true)`,
      );
    }
    await fs.mkdir(dirname(this.path), { recursive: true });
    this.temporary = `${this.path}.${process.pid}.tmp`;
    this.stream = createWriteStream(this.temporary);
  }

  async process(item: object): Promise<object> {
    const stream = this.stream as WriteStream;
    // Respect backpressure: a fast crawl must not buffer the whole feed in memory.
    if (!stream.write(`${JSON.stringify(item)}\n`)) await once(stream, 'drain');
    return item;
  }

  async close({ logger }: PipelineContext): Promise<void> {
    if (!this.stream) return;
    this.stream.end();
    await finished(this.stream);
    await fs.rename(this.temporary, this.path);
    logger.info(`feed written: ${this.path}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}
