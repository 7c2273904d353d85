/**
 * Takes one request to its end: wait for the host's throttle, send, read the answer, retry what is
 * transient, wait out rate limits, and hand the answer to the request's callback. Returns what the
 * callback gave (items and requests), or why the request failed.
 *
 * A callback's output is collected whole before anything of it is used: a callback that throws
 * RetryRequest half-way leaves nothing behind, and the retry's output is the only one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import { FailureScope, IgnoreRequest, RateLimited, RetryRequest } from './errors';
import { HttpClient, HttpError, HttpResponse, networkErrorReason, TooManyRedirects } from './http-client';
import { Request } from './request';
import { Response } from './response';
import { parseRetryAfter } from './retry-after';
import { RetryPolicy } from './retry-policy';
import type { Spider } from './spider';
import { collectOutput, findCallback } from './spider-output';
import type { StatsCollector } from './stats';
import type { Throttle } from './throttle';

export type RequestOutcome =
  { ok: true; output: unknown[]; status: number } | { ok: false; reason: string; scope: FailureScope };

export interface RequestRunnerOptions {
  spider: Spider<object, object>;
  client: HttpClient;
  policy: RetryPolicy;
  throttle: Throttle;
  stats: StatsCollector;
  logger: Logger;
  /** Sent with every request unless the request or the spider sets them (USER_AGENT). */
  defaultHeaders: Record<string, string>;
}

/** What one attempt came to: done, or try again (on the error or the rate-limit budget). */
type Attempt = { status: number } & (
  | { done: RequestOutcome }
  | { retry: 'error'; reason: string; message: string }
  | { retry: 'rate-limit'; waitMs: number | undefined; message: string }
);

export class RequestRunner {
  private readonly spiderHeaders: Record<string, string>;

  constructor(private readonly options: RequestRunnerOptions) {
    this.spiderHeaders = lowerCaseKeys(options.spider.requestHeaders());
  }

  /** Runs the request; an abort of `signal` (the crawl stopping) rejects with an AbortError. */
  async run(request: Request, signal?: AbortSignal): Promise<RequestOutcome> {
    const { policy, stats, logger } = this.options;
    const throttle = this.options.throttle.forHost(new URL(request.url).host);
    let retries = 0;
    let rateLimitRetries = 0;
    for (;;) {
      const ticket = await throttle.acquire(signal);
      let attempt: Attempt | undefined;
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

  /**
   * One send and its answer. Not abortable: a crawl that stops lets the requests already sent finish,
   * so the answers the server gave (and counted against the plan) are stored.
   */
  private async attempt(request: Request): Promise<Attempt> {
    const { spider, policy, stats, client, defaultHeaders } = this.options;
    let answer: HttpResponse;
    stats.inc('downloader/request_count');
    stats.inc(`downloader/request_method_count/${request.method}`);
    try {
      answer = await client.request({
        method: request.method,
        url: request.url,
        // The spider's headers (an API key) last: they are added here, at send time, and never stored.
        headers: { ...defaultHeaders, ...request.headers, ...this.spiderHeaders },
        body: request.body,
      });
    } catch (error) {
      if (error instanceof TooManyRedirects) {
        stats.inc('downloader/exception_type_count/too_many_redirects');
        return { status: 0, done: { ok: false, reason: error.message, scope: 'request' } };
      }
      const reason =
        error instanceof HttpError && error.code === 'EDECOMPRESS'
          ? 'malformed_body'
          : networkErrorReason(error);
      stats.inc('downloader/exception_count');
      stats.inc(`downloader/exception_type_count/${reason}`);
      return { status: 0, retry: 'error', reason, message: `network error ${reason}` };
    }
    stats.inc('downloader/response_count');
    stats.inc(`downloader/response_status_count/${answer.status}`);
    if (answer.redirectUrls.length) stats.inc('downloader/redirect_count', answer.redirectUrls.length);

    const { status } = answer;
    if (status === 429) {
      const waitMs = parseRetryAfter(answer.headers['retry-after']);
      return { status, retry: 'rate-limit', waitMs, message: 'HTTP 429' };
    }
    if (policy.isRetryableStatus(status))
      return { status, retry: 'error', reason: `${status}`, message: `HTTP ${status}` };
    const handled = (status >= 200 && status < 300) || spider.handleHttpStatusList.includes(status);
    if (!handled) return { status, done: { ok: false, reason: `HTTP ${status}`, scope: 'request' } };

    const response = new Response({
      url: answer.url,
      status,
      headers: answer.headers,
      body: answer.body,
      request,
    });
    try {
      const callback = findCallback(spider, request.callback);
      const where = `spider ${spider.name}, callback ${request.callback ?? 'parse'}`;
      const output = await collectOutput(callback(response, { stats, logger: this.options.logger }), where);
      return { status, done: { ok: true, output, status } };
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

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
