/**
 * `jsonl` (also `jsonlines`): one JSON object per line (Scrapy's JsonLinesItemExporter). Appending
 * is just more lines; a reader can take the file a line at a time, however long it is.
 */
import { ExporterOptions, ItemExporter, pickFields } from './item-exporter';

export class JsonLinesExporter implements ItemExporter {
  constructor(private readonly options: ExporterOptions) {}

  begin(): string {
    return '';
  }

  exportItem(item: object): string {
    const { fields } = this.options;
    // Without `fields` the item goes as it is: its own order is already its type's order.
    return `${JSON.stringify(fields ? pickFields(item, fields) : item)}\n`;
  }

  end(): string {
    return '';
  }
}
