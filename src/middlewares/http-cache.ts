/**
 * `http-cache` (Scrapy's HttpCacheMiddleware, filesystem storage, dummy policy): with
 * HTTPCACHE_ENABLED every answer is kept in a file, one per request fingerprint (method, canonical
 * URL, body hash: never a header, so never the API key), and the same request is answered from it
 * afterwards without going to the network, or through the throttle. The dummy policy: any cached
 * answer is good until HTTPCACHE_EXPIRATION_SECS (0: forever). Not cached: a 429, a 5xx (transient,
 * and retried), HTTPCACHE_IGNORE_HTTP_CODES, network errors (no answer at all); and an answer the
 * callback turned away (a rate-limit body under another status, a malformed body: RateLimited,
 * RetryRequest) is removed again, or every later run would replay it. An entry holds the
 * answer only (URL, status, headers less the spider's secret ones, body), written atomically, so a
 * killed crawl leaves whole entries or none. Stats `httpcache/hit`, `httpcache/miss`, `httpcache/store`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { DownloaderMiddleware, DownloaderMiddlewareFactory } from '../core/downloader-middleware';
import { RateLimited, RetryRequest } from '../core/errors';
import { Request, requestFingerprint } from '../core/request';
import { Response } from '../core/response';
import type { StatsCollector } from '../core/stats';
import { writeFileAtomic } from '../util/atomic-write';

/** What one cache file holds. */
interface CacheEntry {
  /** The request it answers, for people reading the cache (method and URL; no headers). */
  request: { method: string; url: string };
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, base64: any bytes survive. */
  body: string;
  /** When it was stored, ms since the epoch. */
  storedAt: number;
}

export interface HttpCacheOptions {
  /** The spider's folder of the cache. */
  dir: string;
  /** 0: forever. */
  expirationMs: number;
  /** Statuses not stored, besides 429 and 5xx. */
  ignoreStatuses: readonly number[];
  /** Response headers never stored (the spider's secret header names). */
  secretHeaders: readonly string[];
  stats: StatsCollector;
}

export class HttpCacheMiddleware implements DownloaderMiddleware {
  /** Answers that came from the cache, so they are not stored again. */
  private readonly cached = new WeakSet<Response>();
  private readonly madeDirs = new Set<string>();

  constructor(private readonly options: HttpCacheOptions) {}

  async processRequest(request: Request): Promise<Response | undefined> {
    const { stats, expirationMs } = this.options;
    const entry = await this.read(this.pathOf(request));
    if (!entry || (expirationMs > 0 && Date.now() - entry.storedAt > expirationMs)) {
      stats.inc('httpcache/miss');
      return undefined;
    }
    stats.inc('httpcache/hit');
    const response = new Response({
      url: entry.url,
      status: entry.status,
      headers: entry.headers,
      body: Buffer.from(entry.body, 'base64'),
      request,
    });
    this.cached.add(response);
    return response;
  }

  async processResponse(request: Request, response: Response): Promise<Response> {
    const { status } = response;
    if (this.cached.has(response) || status === 429 || status >= 500) return response;
    if (this.options.ignoreStatuses.includes(status)) return response;
    const headers = { ...response.headers };
    for (const name of this.options.secretHeaders) delete headers[name];
    const entry: CacheEntry = {
      request: { method: request.method, url: request.url },
      url: response.url,
      status,
      headers,
      body: response.body.toString('base64'),
      storedAt: Date.now(),
    };
    const path = this.pathOf(request);
    const dir = join(path, '..');
    if (!this.madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await writeFileAtomic(path, JSON.stringify(entry));
    this.options.stats.inc('httpcache/store');
    return response;
  }

  /** The callback turned the answer away (RateLimited, RetryRequest): it must not be replayed. */
  async processException(request: Request, error: unknown): Promise<undefined> {
    if (!(error instanceof RateLimited || error instanceof RetryRequest)) return undefined;
    await fs.rm(this.pathOf(request), { force: true });
    return undefined;
  }

  /** `<dir>/<2 hex>/<sha1 of the fingerprint>.json`: the first two digits keep folders small. */
  private pathOf(request: Request): string {
    const key = createHash('sha1')
      .update(requestFingerprint(request.method, request.url, request.body))
      .digest('hex');
    return join(this.options.dir, key.slice(0, 2), `${key}.json`);
  }

  private async read(path: string): Promise<CacheEntry | undefined> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as CacheEntry;
    } catch {
      // Not an entry this cache wrote whole: a miss, and the next answer replaces it.
      return undefined;
    }
  }
}

export const httpCache: DownloaderMiddlewareFactory = (settings, { spider, stats }) =>
  settings.HTTPCACHE_ENABLED
    ? new HttpCacheMiddleware({
        dir: join(settings.HTTPCACHE_DIR || join(settings.DATA_DIR, 'httpcache'), spider.name),
        expirationMs: settings.HTTPCACHE_EXPIRATION_SECS * 1000,
        ignoreStatuses: settings.HTTPCACHE_IGNORE_HTTP_CODES,
        secretHeaders: spider.secretHeaderNames.map((name) => name.toLowerCase()),
        stats,
      })
    : undefined;
