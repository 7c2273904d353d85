/**
 * The download handler: what actually sends a request, behind the downloader middlewares (Scrapy's
 * DOWNLOAD_HANDLERS). DOWNLOAD_HANDLER picks one:
 * - `http` (the default): the lean keep-alive client of http-client.ts, a third of got-scraping's
 *   CPU per request, which is most of what a crawl of a JSON API spends;
 * - `got-scraping`: Crawlee's got-scraping, with browser-like headers and TLS, for web pages.
 * Neither follows redirects (the `redirect` middleware does) nor throws for an HTTP status.
 */
import type { Settings } from '../settings';
import { UsageError } from './errors';
import { GotScrapingClient } from './got-scraping-client';
import { HttpClient, HttpRequest, HttpResponse } from './http-client';

export interface DownloadHandler {
  /** Sends one request; resolves with any status, rejects with an HttpError for a network failure. */
  request(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>;
  /** Releases the connections. */
  close(): void;
}

export const DOWNLOAD_HANDLERS = ['http', 'got-scraping'] as const;
export type DownloadHandlerName = (typeof DOWNLOAD_HANDLERS)[number];

export function createDownloadHandler(settings: Settings): DownloadHandler {
  const options = {
    timeoutMs: settings.DOWNLOAD_TIMEOUT * 1000,
    // The redirect middleware follows redirects, one hop per pass through the chain (Scrapy's way).
    redirect: { enabled: false, maxTimes: 0 },
    proxy: { httpProxy: settings.HTTP_PROXY, httpsProxy: settings.HTTPS_PROXY, noProxy: settings.NO_PROXY },
  };
  switch (settings.DOWNLOAD_HANDLER) {
    case 'http':
      return new HttpClient(options);
    case 'got-scraping':
      return new GotScrapingClient(options);
    default:
      throw new UsageError(
        `DOWNLOAD_HANDLER: unknown handler ${JSON.stringify(settings.DOWNLOAD_HANDLER)} (known: ${DOWNLOAD_HANDLERS.join(', ')})`,
      );
  }
}
