/**
 * `json-files`: one JSON file per item, any item type, at a path built from FILES_STORE under
 * DATA_DIR (`{field}`, `{key}`, `{type}`, `{spider}`), with the fields of FILES_FIELDS. The coin
 * spiders set `raw/{coin_id}_{date}.json` and `coin_id, date, usd_price, full_response`: the files
 * the original project wrote. Written atomically, so a killed crawl never leaves half a file; an
 * existing file is replaced.
 *
 * As a store it answers "already stored?": the item's file exists, parses, has every field of
 * FILES_FIELDS and the item's key, and its type says the stored copy is final.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { UsageError } from '../core/errors';
import type { ItemType } from '../core/item';
import type { ItemPipeline, PipelineContext } from '../core/pipeline';
import { removeStaleTemporaryFiles, writeFileAtomic } from '../util/atomic-write';
import { safeFileComponent } from '../util/safe-filename';

/** Where the coin spiders' day files live under DATA_DIR (read back by `reprocess`). */
export function rawDir(dataDir: string): string {
  return join(dataDir, 'raw');
}

/** The file name of a coin's day, as the coin spiders' FILES_STORE makes it. */
export function dayFileName(coinId: string, date: string): string {
  return `${safeFileComponent(coinId)}_${date}.json`;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Folders this process has cleared of killed writers' temporary files. Once per process is enough
 * (a writer killed later leaves at most its few files in flight until the next start), and a
 * worker opens this pipeline for every job: listing a folder of a whole market's day files (182,500
 * for 500 coins x 365 days) at each job cost more than the job itself (BENCHMARKS.md, the market).
 */
const clearedDirs = new Set<string>();

export interface JsonFilesOptions {
  dataDir: string;
  /** FILES_STORE. */
  template: string;
  /** FILES_FIELDS: the fields written, in order; empty: all. */
  fields: readonly string[];
  /** The crawl's spider, for `{spider}`. */
  spiderName: string;
}

export class JsonFilesPipeline implements ItemPipeline {
  private readonly madeDirs = new Set<string>();

  constructor(private readonly options: JsonFilesOptions) {
    checkTemplate(options.template);
  }

  describeStorage(): string {
    return `files in ${join(this.options.dataDir, this.fixedDir())}`;
  }

  async open(context?: PipelineContext): Promise<void> {
    const dir = join(this.options.dataDir, this.fixedDir());
    await fs.mkdir(dir, { recursive: true });
    if (clearedDirs.has(dir)) return;
    clearedDirs.add(dir);
    const removed = await removeStaleTemporaryFiles(dir);
    if (removed > 0) context?.logger.info(`removed ${removed} temporary file(s) left by a killed crawl`);
  }

  async process(item: object, type: ItemType): Promise<object> {
    const path = this.pathOf(item, type);
    const dir = dirname(path);
    if (!this.madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await writeFileAtomic(path, JSON.stringify(this.record(item, type)));
    return item;
  }

  async storedKeys(type: ItemType, probes: readonly object[]): Promise<Set<string>> {
    const key = type.key?.bind(type);
    if (!key) return new Set();
    const now = new Date();
    const stored = new Set<string>();
    for (const probe of probes) {
      let path: string;
      try {
        path = this.pathOf(probe, type);
      } catch {
        continue; // The probe lacks a field the file name needs: not known to be stored.
      }
      // A look per probe, not a listing of the folder: a job asks about a year of one coin, in a
      // folder that may hold the whole market's days.
      if (!existsSync(path)) continue;
      try {
        const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        const complete = this.options.fields.every((field) => record[field] !== undefined);
        if (complete && key(record) === key(probe) && (type.isFinal?.(record, now) ?? true))
          stored.add(key(probe));
      } catch {
        // Unreadable or not this item: not stored.
      }
    }
    return stored;
  }

  /** The item's file: the template's placeholders filled with file-name-safe values. */
  private pathOf(item: object, type: ItemType): string {
    const fields = item as Record<string, unknown>;
    const relative = this.options.template.replace(PLACEHOLDER, (_, name: string) => {
      if (name === 'spider') return safeFileComponent(this.options.spiderName);
      if (name === 'type') return safeFileComponent(type.name);
      if (name === 'key') return safeFileComponent(type.key ? type.key(item) : hashOf(item));
      const value = fields[name];
      if (value === undefined || value === null || typeof value === 'object')
        throw new Error(`FILES_STORE: a ${type.name} item has no field "${name}" to name its file with`);
      return safeFileComponent(String(value));
    });
    return join(this.options.dataDir, relative);
  }

  private record(item: object, type: ItemType): object {
    const fields = this.options.fields.length ? this.options.fields : (type.fields ?? []);
    if (fields.length === 0) return item;
    const source = item as Record<string, unknown>;
    return Object.fromEntries(fields.map((field) => [field, source[field] ?? null]));
  }

  /** The folder before the first item-dependent placeholder (`raw`, `items/<spider>`). */
  private fixedDir(): string {
    const spider = this.options.template.replace(/\{spider\}/g, safeFileComponent(this.options.spiderName));
    const fixed = spider.split('{')[0];
    return fixed.includes('/') ? fixed.slice(0, fixed.lastIndexOf('/')) : '.';
  }
}

function checkTemplate(template: string): void {
  const parts = normalize(template).split(sep);
  if (template === '' || isAbsolute(template) || parts.includes('..'))
    throw new UsageError(
      `FILES_STORE ${JSON.stringify(template)}: expected a relative path under DATA_DIR, e.g. items/{spider}/{key}.json`,
    );
  // Without a placeholder naming the item (only {spider}), every item would go to the same file.
  const itemPlaceholders = [...template.matchAll(PLACEHOLDER)].filter((match) => match[1] !== 'spider');
  if (itemPlaceholders.length === 0)
    throw new UsageError(
      `FILES_STORE ${JSON.stringify(template)}: name each item's file with {key} or a field, e.g. items/{spider}/{key}.json`,
    );
}

function hashOf(item: object): string {
  return createHash('sha256').update(JSON.stringify(item)).digest('hex').slice(0, 24);
}
