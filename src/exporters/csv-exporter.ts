/**
 * `csv`: a header line, then a row per item (Scrapy's CsvItemExporter), quoted by csv-stringify.
 * The columns are the feed's `fields`, else those of the first item (its type's declared fields, or
 * its own keys); a later item's other fields are not written, a missing one is an empty cell. Nested
 * values (an object, a list) are written as JSON. Appending keeps the existing file's header and
 * columns.
 */
import { open } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { ContinuedFeed, ExporterOptions, fieldsToExport, ItemExporter } from './item-exporter';

/** How much of an existing file's start is read to find its header line. */
const HEADER_BYTES = 64 * 1024;

const CAST = {
  boolean: (value: boolean) => String(value),
  date: (value: Date) => value.toISOString(),
  object: (value: object) => JSON.stringify(value),
};

export class CsvExporter implements ItemExporter {
  private columns: readonly string[] | undefined;
  private headerWritten = false;

  constructor(options: ExporterOptions) {
    this.columns = options.fields;
  }

  async continueFrom(path: string): Promise<ContinuedFeed> {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const head = Buffer.alloc(Math.min(size, HEADER_BYTES));
      await file.read(head, 0, head.length, 0);
      const line = head.toString('utf8').split(/\r?\n/)[0];
      // The header this exporter wrote: field names, quoted only when they hold a comma or a quote.
      this.columns = [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) =>
        m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2],
      );
      this.headerWritten = true;
      return { keepBytes: size };
    } finally {
      await file.close();
    }
  }

  begin(): string {
    return '';
  }

  exportItem(item: object, typeFields: readonly string[] | undefined): string {
    const columns = (this.columns ??= fieldsToExport(item, undefined, typeFields));
    const record = item as Record<string, unknown>;
    const row = columns.map((column) => record[column] ?? null);
    const header = this.headerWritten ? '' : stringify([columns]);
    this.headerWritten = true;
    return header + stringify([row], { cast: CAST });
  }

  end(): string {
    return '';
  }
}
