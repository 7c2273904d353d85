/**
 * `json`: one JSON array of every item (Scrapy's JsonItemExporter), an item per line so it streams.
 * The array is closed when the feed is, so the file is always valid JSON; appending to an existing
 * array cuts its closing `]` and goes on after its last item (where Scrapy would write a second
 * array after the first, which no JSON reader takes).
 */
import { open } from 'node:fs/promises';
import { UsageError } from '../core/errors';
import { ContinuedFeed, ExporterOptions, ItemExporter, pickFields } from './item-exporter';

/** How much of the file's end is read to find its closing `]` (past any trailing whitespace). */
const TAIL_BYTES = 4096;

export class JsonExporter implements ItemExporter {
  private first = true;
  private continued = false;

  constructor(private readonly options: ExporterOptions) {}

  async continueFrom(path: string): Promise<ContinuedFeed> {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const tail = Buffer.alloc(size - start);
      await file.read(tail, 0, tail.length, start);
      const text = tail.toString('latin1');
      const close = text.search(/\]\s*$/);
      if (close < 0) {
        throw new UsageError(
          `feed ${path}: cannot append, the file is not a JSON array (-O, or "overwrite": true, replaces it)`,
        );
      }
      const before = text.slice(0, close).trimEnd();
      // `[` just before the `]`: an empty array, so the first item needs no comma.
      this.first = before.endsWith('[');
      this.continued = true;
      return { keepBytes: start + Buffer.byteLength(before, 'latin1') };
    } finally {
      await file.close();
    }
  }

  begin(): string {
    return this.continued ? '' : '[';
  }

  exportItem(item: object): string {
    const { fields } = this.options;
    const text = JSON.stringify(fields ? pickFields(item, fields) : item);
    const separator = this.first ? '\n' : ',\n';
    this.first = false;
    return separator + text;
  }

  end(): string {
    return '\n]\n';
  }
}
