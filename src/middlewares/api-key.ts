/**
 * `api-key`: the spider's secret headers (`spider.requestHeaders()`, an API key) go on a request at
 * the last moment and come off as soon as the answer (or the error) is back. Its order is the highest,
 * so its processRequest runs last and its processResponse first: no other middleware, no cache
 * entry, no callback and no queued request ever holds the key. It is sent to the origin the request
 * had when it left the queue only, never to where a redirect leads elsewhere.
 */
import type {
  DownloadContext,
  DownloaderMiddleware,
  DownloaderMiddlewareFactory,
} from '../core/downloader-middleware';
import type { Request } from '../core/request';
import type { Response } from '../core/response';

export class ApiKeyMiddleware implements DownloaderMiddleware {
  private readonly headers: readonly (readonly [string, string])[];

  constructor(headers: Readonly<Record<string, string>>) {
    this.headers = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value] as const);
  }

  processRequest(request: Request, context: DownloadContext): void {
    if (this.headers.length === 0 || !sameOrigin(request.url, context.originUrl)) return;
    for (const [name, value] of this.headers) request.headers[name] = value;
  }

  processResponse(request: Request, response: Response): Response {
    this.remove(request);
    return response;
  }

  processException(request: Request): void {
    this.remove(request);
  }

  private remove(request: Request): void {
    for (const [name] of this.headers) delete request.headers[name];
  }
}

function sameOrigin(url: string, other: string): boolean {
  return url === other || new URL(url).origin === new URL(other).origin;
}

export const apiKey: DownloaderMiddlewareFactory = (_settings, { spider }) =>
  new ApiKeyMiddleware(spider.requestHeaders());
