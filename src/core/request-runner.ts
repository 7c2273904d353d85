/**
 * Takes one spider request to its end: send, read the answer, retry what is transient, wait out
 * rate limits, and hand the response to the spider. Returns the items, or why the request failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import { FailureScope, IgnoreRequest, RateLimited, RetryRequest } from './errors';
import { HostGate } from './host-gate';
import { httpGet, HttpResponse, networkErrorReason } from './http-client';
import { parseRetryAfter } from './retry-after';
import { RetryPolicy } from './retry-policy';
import type { Spider, SpiderRequest } from './spider';
import type { StatsCollector } from './stats';

export type RequestOutcome<Item> =
  { ok: true; items: Item[]; status: number } | { ok: false; reason: string; scope: FailureScope };

export interface RequestRunnerOptions<Item> {
  spider: Spider<Item>;
  policy: RetryPolicy;
  gate: HostGate;
  stats: StatsCollector;
  logger: Logger;
  timeoutMs: number;
}

/** What one attempt came to: done, or wait and try again (on the error or the rate-limit budget). */
type Attempt<Item> =
  | RequestOutcome<Item>
  | { retry: 'error'; reason: string; message: string }
  | { retry: 'rate-limit'; waitMs: number | undefined; message: string };

export class RequestRunner<Item> {
  private readonly headers: Record<string, string>;

  constructor(private readonly options: RequestRunnerOptions<Item>) {
    this.headers = options.spider.requestHeaders();
  }

  async run(request: SpiderRequest): Promise<RequestOutcome<Item>> {
    const { policy, gate, stats, logger } = this.options;
    const host = new URL(request.url).host;
    let retries = 0;
    let rateLimitRetries = 0;
    for (;;) {
      await gate.pass(host);
      const attempt = await this.attempt(request);
      if (!('retry' in attempt)) return attempt;

      if (attempt.retry === 'rate-limit') {
        stats.inc('ratelimit/429_count');
        if (!policy.canRetryRateLimited(rateLimitRetries)) {
          return {
            ok: false,
            reason: `still rate limited after ${rateLimitRetries} waits`,
            scope: 'request',
          };
        }
        const waitMs = attempt.waitMs ?? policy.backoffMs(rateLimitRetries);
        rateLimitRetries += 1;
        gate.pause(host, waitMs);
        logger.debug(
          `${request.label}: rate limited (${attempt.message}); host paused ${Math.round(waitMs)} ms`,
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
      await sleep(waitMs);
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
      return { retry: 'error', reason, message: `network error ${reason}` };
    }
    stats.inc('downloader/response_count');
    stats.inc(`downloader/response_status_count/${response.status}`);

    const { status } = response;
    if (status === 429) {
      return {
        retry: 'rate-limit',
        waitMs: parseRetryAfter(response.headers['retry-after']),
        message: 'HTTP 429',
      };
    }
    if (policy.isRetryableStatus(status))
      return { retry: 'error', reason: `${status}`, message: `HTTP ${status}` };
    const handled = (status >= 200 && status < 300) || spider.handleHttpStatusList.includes(status);
    if (!handled) return { ok: false, reason: `HTTP ${status}`, scope: 'request' };

    try {
      const items = spider.parse({ ...response, request }, { stats, logger });
      return { ok: true, items, status };
    } catch (error) {
      if (error instanceof RateLimited) {
        return { retry: 'rate-limit', waitMs: error.retryAfterMs, message: error.message };
      }
      if (error instanceof RetryRequest)
        return { retry: 'error', reason: error.reason, message: error.message };
      if (error instanceof IgnoreRequest) return { ok: false, reason: error.message, scope: error.scope };
      throw error;
    }
  }
}
