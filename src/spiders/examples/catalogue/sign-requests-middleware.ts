/**
 * `sign-requests`: an example of a downloader middleware of one's own (the README's "Write your own
 * downloader middleware"). It signs every request with an HMAC of its method and path in an
 * `x-signature` header, as APIs that authenticate clients by a shared key ask. The key is the
 * spider's setting CATALOGUE_SIGNING_KEY (a `_KEY` setting: masked wherever settings are shown);
 * the signature goes on at send time, like the API key, so the queue never holds it.
 *
 *   crawl --spider catalogue_example --set DOWNLOADER_MIDDLEWARES.sign-requests=500
 */
import { createHmac } from 'node:crypto';
import type { DownloaderMiddleware, DownloaderMiddlewareFactory } from '../../../core/downloader-middleware';
import { UsageError } from '../../../core/errors';
import type { Request } from '../../../core/request';

export class SignRequestsMiddleware implements DownloaderMiddleware {
  constructor(private readonly key: string) {}

  processRequest(request: Request): void {
    const { pathname, search } = new URL(request.url);
    request.headers['x-signature'] = signature(this.key, request.method, pathname + search);
  }
}

/** The signature of a request: hex HMAC-SHA256 of `METHOD path?query` under the key. */
export function signature(key: string, method: string, path: string): string {
  return createHmac('sha256', key).update(`${method} ${path}`).digest('hex');
}

export const signRequests: DownloaderMiddlewareFactory = (settings) => {
  const key = String(settings.CATALOGUE_SIGNING_KEY ?? '');
  if (!key)
    throw new UsageError('sign-requests: set CATALOGUE_SIGNING_KEY (env CRAWLER_CATALOGUE_SIGNING_KEY)');
  return new SignRequestsMiddleware(key);
};
