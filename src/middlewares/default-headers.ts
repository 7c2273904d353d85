/**
 * `default-headers` (Scrapy's DefaultHeadersMiddleware and UserAgentMiddleware in one): USER_AGENT and
 * DEFAULT_REQUEST_HEADERS on every request that does not set them itself. The pairs are lowercased
 * once here, so a request costs one lookup per default header.
 */
import type { DownloaderMiddleware, DownloaderMiddlewareFactory } from '../core/downloader-middleware';
import type { Request } from '../core/request';

export class DefaultHeadersMiddleware implements DownloaderMiddleware {
  private readonly defaults: readonly (readonly [string, string])[];

  constructor(userAgent: string, headers: Readonly<Record<string, string>>) {
    const pairs = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value] as const);
    if (userAgent) pairs.push(['user-agent', userAgent]);
    this.defaults = pairs;
  }

  processRequest(request: Request): void {
    const { headers } = request;
    for (const [name, value] of this.defaults) if (headers[name] === undefined) headers[name] = value;
  }
}

export const defaultHeaders: DownloaderMiddlewareFactory = (settings) =>
  new DefaultHeadersMiddleware(settings.USER_AGENT, settings.DEFAULT_REQUEST_HEADERS);
