/**
 * The feed formats there are (Scrapy's FEED_EXPORTERS_BASE): format name -> exporter. A feed's
 * format is its `format` option, the `FILE:FORMAT` suffix of `-o`, or the file's extension.
 */
import { CsvExporter } from './csv-exporter';
import type { ExporterFactory } from './item-exporter';
import { JsonExporter } from './json-exporter';
import { JsonLinesExporter } from './jsonl-exporter';

export const EXPORTERS: Readonly<Record<string, ExporterFactory>> = {
  jsonl: (options) => new JsonLinesExporter(options),
  json: (options) => new JsonExporter(options),
  csv: (options) => new CsvExporter(options),
};

/** Other names of a format, and the file extensions that mean it. */
export const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  jsonlines: 'jsonl',
  jl: 'jsonl',
  ndjson: 'jsonl',
};

/** The format a name or an extension means, or undefined. */
export function formatNamed(name: string): string | undefined {
  const word = name.toLowerCase();
  if (Object.prototype.hasOwnProperty.call(EXPORTERS, word)) return word;
  return FORMAT_ALIASES[word];
}
