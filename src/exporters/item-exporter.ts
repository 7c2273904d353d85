/**
 * An item exporter (Scrapy's `BaseItemExporter`): how items become the text of one feed format. It
 * only makes text; the feed file (src/feeds/feed-file.ts) writes it, with backpressure, to a
 * temporary file that is renamed into place at the end.
 *
 * A feed that is appended to (`-o`) goes on where the existing file stops: the exporter reads what it
 * needs of that file (a CSV's header, whether a JSON array has items) before the first item.
 */

/** What an exporter is made with. */
export interface ExporterOptions {
  /**
   * The fields to write, in order (the feed's `fields`). Absent: the item type's `fields`, else the
   * item's own keys.
   */
  fields?: readonly string[];
}

/** Where an appended feed stands, as its exporter found it in the existing file. */
export interface ContinuedFeed {
  /** Bytes of the existing file to keep (a JSON array's closing `]` is cut, to go on after it). */
  keepBytes: number;
}

export interface ItemExporter {
  /**
   * Called once, before anything is written, when the feed goes on after the existing, non-empty
   * file at `path`: reads what it needs and says how much of the file to keep.
   */
  continueFrom?(path: string): Promise<ContinuedFeed>;
  /** Text before the first item (a JSON array's `[`), or ''. */
  begin(): string;
  /** The text of one item. `typeFields`: its item type's declared fields, if any. */
  exportItem(item: object, typeFields: readonly string[] | undefined): string;
  /** Text after the last item (a JSON array's `]`), or ''. */
  end(): string;
}

/** Builds an exporter for one feed. */
export type ExporterFactory = (options: ExporterOptions) => ItemExporter;

/** The item's fields to write: the feed's, else its type's, else its own keys. */
export function fieldsToExport(
  item: object,
  feedFields: readonly string[] | undefined,
  typeFields: readonly string[] | undefined,
): readonly string[] {
  return feedFields ?? typeFields ?? Object.keys(item);
}

/**
 * The item reduced to `fields`, in that order; a field the item lacks is `null` (Scrapy leaves it
 * out; a column or a key that is sometimes absent is harder on the next tool than a null).
 */
export function pickFields(item: object, fields: readonly string[]): Record<string, unknown> {
  const record = item as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const field of fields) picked[field] = record[field] ?? null;
  return picked;
}
