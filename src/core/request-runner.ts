/**
 * Takes one spider request to its end: wait for the host's throttle, send, read the answer, retry
 * what is transient, wait out rate limits, and hand the response to the spider. Returns the items,
 * or why the request failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import { FailureScope, IgnoreRequest, RateLimited, RetryRequest } from './errors';
import { httpGet, HttpResponse, networkErrorReason } from './http-client';
import { parseRetryAfter } from './retry-after';
import { RetryPolicy } from './retry-policy';
import type { Spider, SpiderRequest } from './spider';
import type { StatsCollector } from './stats';
import type { Throttle } from './throttle';

export type RequestOutcome<Item> =
  { ok: true; items: Item[]; status: number } | { ok: false; reason: string; scope: FailureScope };

export interface RequestRunnerOptions<Item> {
  spider: Spider<Item>;
  policy: RetryPolicy;
  throttle: Throttle;
  stats: StatsCollector;
  logger: Logger;
  timeoutMs: number;
}

/** What one attempt came to: done, or try again (on the error or the rate-limit budget). */
type Attempt<Item> = { status: number } & (
  | { done: RequestOutcome<Item> }
  | { retry: 'error'; reason: string; message: string }
  | { retry: 'rate-limit'; waitMs: number | undefined; message: string }
);

export class RequestRunner<Item> {
  private readonly headers: Record<string, string>;

  constructor(private readonly options: RequestRunnerOptions<Item>) {
    this.headers = options.spider.requestHeaders();
  }

  /** Runs the request; an abort of `signal` (the crawl stopping) rejects with an AbortError. */
  async run(request: SpiderRequest, signal?: AbortSignal): Promise<RequestOutcome<Item>> {
    const { policy, stats, logger } = this.options;
    const throttle = this.options.throttle.forHost(new URL(request.url).host);
    let retries = 0;
    let rateLimitRetries = 0;
    for (;;) {
      const ticket = await throttle.acquire(signal);
      let attempt: Attempt<Item> | undefined;
      try {
        attempt = await this.attempt(request);
      } finally {
        const rateLimited = attempt !== undefined && 'retry' in attempt && attempt.retry === 'rate-limit';
        throttle.release(ticket, {
          rateLimited,
          retryAfterMs: rateLimited ? (attempt as { waitMs?: number }).waitMs : undefined,
          ok: attempt !== undefined && attempt.status >= 200 && attempt.status < 300 && !rateLimited,
        });
      }
      if ('done' in attempt) return attempt.done;

      if (attempt.retry === 'rate-limit') {
        stats.inc('ratelimit/429_count');
        if (!policy.canRetryRateLimited(rateLimitRetries)) {
          return {
            ok: false,
            reason: `still rate limited after ${rateLimitRetries} waits`,
            scope: 'request',
          };
        }
        rateLimitRetries += 1;
        logger.debug(
          `${request.label}: rate limited (${attempt.message}), retry-after ${attempt.waitMs ?? '-'} ms`,
        );
        continue;
      }

      if (!policy.canRetry(retries)) {
        stats.inc('retry/max_reached');
        return {
          ok: false,
          reason: `${attempt.message} (gave up after ${retries} retries)`,
          scope: 'request',
        };
      }
      const waitMs = policy.backoffMs(retries);
      retries += 1;
      stats.inc('retry/count');
      stats.inc(`retry/reason_count/${attempt.reason}`);
      logger.debug(`${request.label}: ${attempt.message}; retry ${retries} in ${Math.round(waitMs)} ms`);
      await sleep(waitMs, undefined, { signal });
    }
  }

  private async attempt(request: SpiderRequest): Promise<Attempt<Item>> {
    const { spider, policy, stats, logger, timeoutMs } = this.options;
    let response: HttpResponse;
    stats.inc('downloader/request_count');
    try {
      response = await httpGet(request.url, { headers: this.headers, timeoutMs });
    } catch (error) {
      const reason = networkErrorReason(error);
      stats.inc('downloader/exception_count');
      stats.inc(`downloader/exception_type_count/${reason}`);
      return { status: 0, retry: 'error', reason, message: `network error ${reason}` };
    }
    stats.inc('downloader/response_count');
    stats.inc(`downloader/response_status_count/${response.status}`);

    const { status } = response;
    if (status === 429) {
      const waitMs = parseRetryAfter(response.headers['retry-after']);
      return { status, retry: 'rate-limit', waitMs, message: 'HTTP 429' };
    }
    if (policy.isRetryableStatus(status))
      return { status, retry: 'error', reason: `${status}`, message: `HTTP ${status}` };
    const handled = (status >= 200 && status < 300) || spider.handleHttpStatusList.includes(status);
    if (!handled) return { status, done: { ok: false, reason: `HTTP ${status}`, scope: 'request' } };

    try {
      const items = spider.parse({ ...response, request }, { stats, logger });
      return { status, done: { ok: true, items, status } };
    } catch (error) {
      if (error instanceof RateLimited) {
        return { status: 429, retry: 'rate-limit', waitMs: error.retryAfterMs, message: error.message };
      }
      if (error instanceof RetryRequest)
        return { status, retry: 'error', reason: error.reason, message: error.message };
      if (error instanceof IgnoreRequest)
        return { status, done: { ok: false, reason: error.message, scope: error.scope } };
      throw error;
    }
  }
}
