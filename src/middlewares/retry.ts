/**
 * `retry` (Scrapy's RetryMiddleware, with backoff): an answer with a RETRY_HTTP_CODES status, a
 * network failure (reset, timeout, refused, a body that does not decode) or a callback's
 * RetryRequest is sent again, up to RETRY_TIMES, after an exponential backoff with jitter (see
 * retry-policy.ts). Past that the request fails, saying how often it was tried. Stats
 * `retry/count`, `retry/reason_count/R`, `retry/max_reached`.
 */
import type {
  DownloadContext,
  DownloaderMiddleware,
  DownloaderMiddlewareFactory,
} from '../core/downloader-middleware';
import { IgnoreRequest, RetryRequest } from '../core/errors';
import { HttpError, networkErrorReason } from '../core/http-client';
import type { Request } from '../core/request';
import type { Response } from '../core/response';
import { RetryPolicy } from '../core/retry-policy';
import type { Logger } from 'winston';
import type { StatsCollector } from '../core/stats';

export class RetryMiddleware implements DownloaderMiddleware {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processResponse(request: Request, response: Response, context: DownloadContext): Request | Response {
    const { status } = response;
    if (!this.policy.isRetryableStatus(status)) return response;
    return this.retry(request, `${status}`, `HTTP ${status}`, context);
  }

  processException(request: Request, error: unknown, context: DownloadContext): Request | undefined {
    if (error instanceof RetryRequest) return this.retry(request, error.reason, error.message, context);
    if (!(error instanceof HttpError) || error.code === 'ABORT_ERR') return undefined;
    const reason = error.code === 'EDECOMPRESS' ? 'malformed_body' : networkErrorReason(error);
    return this.retry(request, reason, `network error ${reason}`, context);
  }

  private retry(request: Request, reason: string, message: string, context: DownloadContext): Request {
    const retries = context.counters.retry_times ?? 0;
    if (!this.policy.canRetry(retries)) {
      this.stats.inc('retry/max_reached');
      throw new IgnoreRequest(`${message} (gave up after ${retries} retries)`);
    }
    context.backoffMs = this.policy.backoffMs(retries);
    context.counters.retry_times = retries + 1;
    this.stats.inc('retry/count');
    this.stats.inc(`retry/reason_count/${reason}`);
    this.logger.debug(
      `${request.label}: ${message}; retry ${retries + 1} in ${Math.round(context.backoffMs)} ms`,
    );
    return request;
  }
}

export const retry: DownloaderMiddlewareFactory = (settings, { stats, logger }) =>
  new RetryMiddleware(new RetryPolicy(settings), stats, logger);
