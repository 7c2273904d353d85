/**
 * One feed's file while the crawl writes it: text goes to a temporary file beside the target, with
 * backpressure (a fast crawl waits for the disk instead of holding the feed in memory), and the
 * temporary file is renamed over the target when the feed is closed. So the target is always a
 * whole file: the one before the crawl, or the one after it, never half of one; a killed crawl leaves
 * the target as it was (and its `.tmp` file beside it).
 *
 * Appending (`-o`) starts the temporary file as a copy of the existing one, cut where the exporter
 * says (a JSON array's closing bracket), so appending is as atomic as overwriting.
 */
import { once } from 'node:events';
import { createWriteStream, promises as fs, WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ItemExporter } from '../exporters/item-exporter';

export interface FeedFileOptions {
  /** Replace an existing file; else go on after its content. */
  overwrite: boolean;
  encoding: BufferEncoding;
  /** Reads an existing file to append to (a CSV's header), and writes the feed's first text. */
  exporter: ItemExporter;
}

export class FeedFile {
  private constructor(
    readonly path: string,
    private readonly temporary: string,
    private readonly stream: WriteStream,
    /** The target had items already, which this crawl's go after. */
    readonly appended: boolean,
  ) {}

  static async open(path: string, { overwrite, encoding, exporter }: FeedFileOptions): Promise<FeedFile> {
    await fs.mkdir(dirname(path) || '.', { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    const existing = overwrite ? 0 : await sizeOf(path);
    let appended = false;
    if (existing > 0) {
      const { keepBytes } = exporter.continueFrom
        ? await exporter.continueFrom(path)
        : { keepBytes: existing };
      await fs.copyFile(path, temporary);
      await fs.truncate(temporary, keepBytes);
      appended = true;
    }
    const stream = createWriteStream(temporary, { flags: appended ? 'a' : 'w', encoding });
    await once(stream, 'open');
    const file = new FeedFile(path, temporary, stream, appended);
    await file.write(exporter.begin());
    return file;
  }

  /** Writes text; resolves at once unless the stream's buffer is full, then when it has drained. */
  async write(text: string): Promise<void> {
    if (text !== '' && !this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Writes the last text, and puts the file in place of the target. */
  async commit(lastText: string): Promise<void> {
    this.stream.end(lastText);
    await finished(this.stream);
    await fs.rename(this.temporary, this.path);
  }

  /** Drops the temporary file: the target stays as it was. */
  async discard(): Promise<void> {
    this.stream.destroy();
    await fs.rm(this.temporary, { force: true });
  }
}

async function sizeOf(path: string): Promise<number> {
  return fs.stat(path).then(
    (stat) => stat.size,
    () => 0,
  );
}

/** The URI with `%(name)s` (the spider) and `%(time)s` (the crawl's start, safe for a file name) filled in. */
export function expandFeedUri(uri: string, spiderName: string, startedAt: Date): string {
  const time = startedAt.toISOString().replace(/[:.]/g, '-');
  return uri.replace(/%\(name\)s/g, spiderName).replace(/%\(time\)s/g, time);
}
