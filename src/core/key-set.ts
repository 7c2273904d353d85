/**
 * A set of keys that keeps 20 bytes of each, its SHA-1 (as Scrapy's dupefilter keeps a fingerprint per
 * request), for the duplicates filters that live as long as a crawl: about 60 bytes of heap per key
 * however long the key is (a URL; a key built from an item's fields, which V8 keeps as a chain of
 * pieces), so a crawl of 100,000 requests holds a few megabytes for them.
 */
import { hash } from 'node:crypto';

export class KeySet {
  private readonly digests = new Set<string>();

  has(key: string): boolean {
    return this.digests.has(digest(key));
  }

  delete(key: string): void {
    this.digests.delete(digest(key));
  }

  /** Adds the key; whether it was not there yet. */
  add(key: string): boolean {
    const size = this.digests.size;
    return this.digests.add(digest(key)).size > size;
  }
}

/** The key's SHA-1 as a 20-character string (one character per byte: V8 stores it in 20 bytes). */
function digest(key: string): string {
  return hash('sha1', key, 'binary');
}
