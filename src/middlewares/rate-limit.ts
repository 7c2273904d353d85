/**
 * `rate-limit`: the three forms of "too many requests" (a 429 with a retry-after, a 429 without
 * one, and a rate-limit answer under another status that the callback recognises and throws as
 * RateLimited) mark the attempt as rate limited and send the request again. The wait is the
 * throttle's: when the attempt ends, the host's gate learns the answer (HostThrottle.release) and
 * pauses the host for the retry-after, or a backoff, for every request, not only this one. A
 * request gets RATE_LIMIT_RETRY_TIMES such waits (being told to slow down is not a sign that it is
 * broken). Stat `ratelimit/429_count`.
 */
import type { Logger } from 'winston';
import type {
  DownloadContext,
  DownloaderMiddleware,
  DownloaderMiddlewareFactory,
} from '../core/downloader-middleware';
import { IgnoreRequest, RateLimited } from '../core/errors';
import type { Request } from '../core/request';
import type { Response } from '../core/response';
import { parseRetryAfter } from '../core/retry-after';
import { RetryPolicy } from '../core/retry-policy';
import type { StatsCollector } from '../core/stats';

export class RateLimitMiddleware implements DownloaderMiddleware {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processResponse(request: Request, response: Response, context: DownloadContext): Request | Response {
    if (response.status !== 429) return response;
    const retryAfter = response.headers['retry-after'];
    return this.rateLimited(request, parseRetryAfter(retryAfter), 'HTTP 429', context);
  }

  processException(request: Request, error: unknown, context: DownloadContext): Request | undefined {
    if (!(error instanceof RateLimited)) return undefined;
    return this.rateLimited(request, error.retryAfterMs, error.message, context);
  }

  private rateLimited(
    request: Request,
    retryAfterMs: number | undefined,
    message: string,
    context: DownloadContext,
  ): Request {
    context.rateLimited = { retryAfterMs };
    this.stats.inc('ratelimit/429_count');
    const waits = context.counters.ratelimit_times ?? 0;
    if (!this.policy.canRetryRateLimited(waits))
      throw new IgnoreRequest(`still rate limited after ${waits} waits`);
    context.counters.ratelimit_times = waits + 1;
    this.logger.debug(`${request.label}: rate limited (${message}), retry-after ${retryAfterMs ?? '-'} ms`);
    return request;
  }
}

export const rateLimit: DownloaderMiddlewareFactory = (settings, { stats, logger }) =>
  new RateLimitMiddleware(new RetryPolicy(settings), stats, logger);
