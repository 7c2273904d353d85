/**
 * `redirect` (Scrapy's RedirectMiddleware): a 301, 302, 303, 307 or 308 with a Location is followed
 * by sending a new request there, through the whole chain again (so the throttle, the cache and the
 * stats see each hop). 301/302/303 become a GET without body (as browsers do), 307/308 keep method
 * and body. Leaving the origin drops authorization, cookie, proxy-authorization and the spider's
 * secret headers (the api-key middleware does not add the key off the origin either). More than
 * REDIRECT_MAX_TIMES hops fail the request; REDIRECT_ENABLED=false turns it off, as do statuses the
 * spider handles itself (`handleHttpStatusList`). The answer's `url` is where the hops led.
 */
import type {
  DownloadContext,
  DownloaderMiddleware,
  DownloaderMiddlewareFactory,
} from '../core/downloader-middleware';
import { TooManyRedirects } from '../core/http-client';
import { redactUrl } from '../core/proxy';
import { Request } from '../core/request';
import type { Response } from '../core/response';
import type { StatsCollector } from '../core/stats';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const ALWAYS_SECRET = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding'];

export class RedirectMiddleware implements DownloaderMiddleware {
  private readonly secrets: readonly string[];

  constructor(
    private readonly maxTimes: number,
    private readonly handled: readonly number[],
    secretHeaders: readonly string[],
    private readonly stats: StatsCollector,
  ) {
    this.secrets = [...ALWAYS_SECRET, ...secretHeaders.map((name) => name.toLowerCase()), 'host'];
  }

  processResponse(request: Request, response: Response, context: DownloadContext): Request | Response {
    const { status } = response;
    if (!REDIRECT_STATUSES.has(status) || this.handled.includes(status)) return response;
    const location = response.headers.location;
    if (!location) return response;
    let target: URL;
    try {
      target = new URL(location, request.url);
    } catch {
      return response;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return response;
    const hops = context.counters.redirect_times ?? 0;
    if (hops >= this.maxTimes) {
      this.stats.inc('downloader/exception_type_count/too_many_redirects');
      throw new TooManyRedirects(
        `more than ${this.maxTimes} redirects (REDIRECT_MAX_TIMES), the last to ${redactUrl(target.href)}: ` +
          'a redirect loop, or raise REDIRECT_MAX_TIMES',
      );
    }
    context.counters.redirect_times = hops + 1;
    this.stats.inc('downloader/redirect_count');

    const headers = { ...request.headers };
    let { method, body } = request;
    if ((status === 301 || status === 302 || status === 303) && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
      for (const name of BODY_HEADERS) delete headers[name];
    }
    if (target.origin !== new URL(request.url).origin) for (const name of this.secrets) delete headers[name];
    return new Request({
      url: target.href,
      method,
      headers,
      body,
      callback: request.callback,
      meta: request.meta,
      priority: request.priority,
      uniqueKey: request.uniqueKey,
      label: request.label,
      group: request.group,
    });
  }
}

export const redirect: DownloaderMiddlewareFactory = (settings, { spider, stats }) =>
  settings.REDIRECT_ENABLED
    ? new RedirectMiddleware(
        settings.REDIRECT_MAX_TIMES,
        spider.handleHttpStatusList,
        spider.secretHeaderNames,
        stats,
      )
    : undefined;
