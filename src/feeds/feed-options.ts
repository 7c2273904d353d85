/**
 * The feeds of a crawl (Scrapy's FEEDS): URI -> options, from the FEEDS setting, the older FEED_URI
 * (one feed, FEED_OVERWRITE saying whether it replaces the file), and `-o` / `-O` on the command line.
 * Each is checked before the crawl starts; a bad one is a UsageError naming it.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors';
import { EXPORTERS, formatNamed } from '../exporters';
import type { FeedOptions } from '../settings';

/** A feed with every option decided. `uri` is as given: `%(name)s` and `%(time)s` are filled in at open. */
export interface FeedSpec {
  uri: string;
  format: string;
  fields: readonly string[] | undefined;
  overwrite: boolean;
  encoding: BufferEncoding;
  itemTypes: readonly string[] | undefined;
}

const OPTION_NAMES = ['format', 'fields', 'overwrite', 'encoding', 'item_types'];

/** The settings feeds are read from. */
export interface FeedSettings {
  FEEDS: Readonly<Record<string, FeedOptions>>;
  FEED_URI: string;
  FEED_OVERWRITE: boolean;
}

/** Every feed of the settings, checked: FEEDS, plus FEED_URI when FEEDS does not name it already. */
export function configuredFeeds(settings: FeedSettings): FeedSpec[] {
  const entries: [string, FeedOptions][] = Object.entries(settings.FEEDS);
  if (settings.FEED_URI && !Object.prototype.hasOwnProperty.call(settings.FEEDS, settings.FEED_URI)) {
    entries.push([settings.FEED_URI, { overwrite: settings.FEED_OVERWRITE }]);
  }
  return entries.map(([uri, options]) => checkFeed(uri, options));
}

/** Whether the settings ask for any feed (which turns the `feed` pipeline on). */
export function hasFeeds(settings: FeedSettings): boolean {
  return Object.keys(settings.FEEDS).length > 0 || settings.FEED_URI !== '';
}

/**
 * The FEEDS entries of `-o FILE` (append) and `-O FILE` (overwrite), each `FILE` or `FILE:FORMAT`
 * (Scrapy's `feed_process_params_from_cli`): the suffix is a format only when it names one, so a
 * `file:` URI or a path with a colon still works.
 */
export function feedsFromCommandLine(
  append: readonly string[],
  overwrite: readonly string[],
): Record<string, FeedOptions> {
  const feeds: Record<string, FeedOptions> = {};
  const add = (flag: string, element: string, replace: boolean) => {
    const colon = element.lastIndexOf(':');
    const suffix = colon > 0 ? formatNamed(element.slice(colon + 1)) : undefined;
    const uri = suffix ? element.slice(0, colon) : element;
    if (uri === '') throw new UsageError(`${flag} ${JSON.stringify(element)}: expected a file name`);
    const format = suffix ?? formatOfPath(uri);
    if (!format) throw unknownFormat(`${flag} ${JSON.stringify(element)}`, extname(uri).slice(1));
    feeds[uri] = { format, overwrite: replace };
  };
  for (const element of append) add('-o', element, false);
  for (const element of overwrite) add('-O', element, true);
  return feeds;
}

/** The local file a feed URI names: a path, or a `file://` URI. Other schemes are not supported. */
export function feedPath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(uri)) {
    throw new UsageError(`FEEDS ${JSON.stringify(uri)}: only local files are supported (a path or file://)`);
  }
  return uri;
}

function checkFeed(uri: string, options: unknown): FeedSpec {
  const where = `FEEDS ${JSON.stringify(uri)}`;
  if (uri.trim() === '') throw new UsageError('FEEDS: a feed URI is empty');
  feedPath(uri);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UsageError(`${where}: expected an object of feed options, e.g. {"format": "csv"}`);
  }
  const given = options as Record<string, unknown>;
  const unknown = Object.keys(given).filter((name) => !OPTION_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`${where}: unknown option "${unknown[0]}" (known: ${OPTION_NAMES.join(', ')})`);
  }
  const format = given.format === undefined ? formatOfPath(uri) : formatNamed(String(given.format));
  if (!format) throw unknownFormat(where, String(given.format ?? extname(uri).slice(1)));
  const encoding = given.encoding === undefined ? 'utf8' : String(given.encoding);
  if (!Buffer.isEncoding(encoding)) {
    throw new UsageError(
      `${where}: unknown encoding ${JSON.stringify(encoding)} (e.g. utf8, latin1, utf16le)`,
    );
  }
  if (given.overwrite !== undefined && typeof given.overwrite !== 'boolean') {
    throw new UsageError(`${where}: "overwrite" must be true or false`);
  }
  return {
    uri,
    format,
    fields: listOption(where, 'fields', given.fields),
    overwrite: given.overwrite === true,
    encoding,
    itemTypes: listOption(where, 'item_types', given.item_types),
  };
}

function listOption(where: string, name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new UsageError(`${where}: "${name}" must be a non-empty list of names`);
  }
  return value as string[];
}

function formatOfPath(path: string): string | undefined {
  const extension = extname(path).slice(1);
  return extension ? formatNamed(extension) : undefined;
}

function unknownFormat(where: string, format: string): UsageError {
  const known = Object.keys(EXPORTERS).join(', ');
  const what = format ? `unknown feed format "${format}"` : 'no feed format';
  return new UsageError(`${where}: ${what}; use ${known} as the extension or after a colon (FILE:FORMAT)`);
}
