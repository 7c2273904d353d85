/**
 * Takes one request to its end: through the downloader middlewares (headers, the API key, the cache,
 * retries, redirects, rate-limit answers, stats: see downloader-middleware.ts), past the host's
 * throttle (the gate in front of every download, as Scrapy's downloader slots are) to the download
 * handler, and the answer to the request's callback. Returns what the callback gave (items and
 * requests), or why the request failed.
 *
 * One pass of the chain is one attempt; a middleware that returns a Request (a retry, a redirect,
 * a rate-limit wait) starts the next attempt, after the `backoffMs` it set. The throttle learns
 * from each attempt's answer once the attempt is over, callback included (a 429 body under status
 * 200 is only known then).
 *
 * A callback's output is collected whole before anything of it is used: a callback that throws
 * RetryRequest half-way leaves nothing behind, and the retry's output is the only one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import type { DownloadHandler } from './download-handler';
import { DownloadContext, DownloaderMiddlewareManager } from './downloader-middleware';
import { FailureScope, IgnoreRequest, RateLimited, RetryRequest } from './errors';
import type { Ticket } from './host-throttle';
import type { HostThrottle } from './host-throttle';
import type { HostSlots } from './host-slots';
import { HttpError, networkErrorReason } from './http-client';
import { Request } from './request';
import { Response } from './response';
import type { Spider } from './spider';
import { collectOutput, findCallback } from './spider-output';
import type { StatsCollector } from './stats';
import type { Throttle } from './throttle';

/** Why a request failed, and how far the failure reaches. */
export type RequestFailed = { ok: false; reason: string; scope: FailureScope };
export type RequestOutcome = { ok: true; output: unknown[]; status: number } | RequestFailed;
/** What `fetch` gives: the final answer, whatever its status, or why there is none. */
export type FetchOutcome = { ok: true; response: Response } | RequestFailed;
/** What becomes of an answer that came through the chain: a callback's output, or the answer itself. */
type AnswerHandler<T> = (response: Response, original: Request) => Promise<T | RequestFailed>;

export interface RequestRunnerOptions {
  spider: Spider<object, object>;
  /** What sends a request (DOWNLOAD_HANDLER). */
  handler: DownloadHandler;
  /** The enabled downloader middlewares. */
  middlewares: DownloaderMiddlewareManager;
  /** The gate in front of every download, per host. */
  throttle: Throttle;
  /** CONCURRENT_REQUESTS_PER_DOMAIN. */
  slots: HostSlots;
  stats: StatsCollector;
  logger: Logger;
}

/** The chain's context, plus the attempt's throttle ticket (which the middlewares need not see). */
interface RunContext extends DownloadContext {
  ticket: Ticket | undefined;
  hostThrottle: HostThrottle | undefined;
}

export class RequestRunner {
  /** Sends one request for the chain: a slot, the gate, the handler. Bound once, not per request. */
  private readonly send = (request: Request, context: DownloadContext) =>
    this.download(request, context as RunContext);

  private readonly parseAnswer: AnswerHandler<RequestOutcome> = (response, original) =>
    this.parse(response, original);
  private readonly keepAnswer: AnswerHandler<FetchOutcome> = async (response) => ({ ok: true, response });

  constructor(private readonly options: RequestRunnerOptions) {}

  /** Runs the request and its callback; an abort of `signal` (the crawl stopping) rejects with an AbortError. */
  run(request: Request, signal?: AbortSignal): Promise<RequestOutcome> {
    return this.drive(request, signal, this.parseAnswer);
  }

  /** The request's final answer through the middlewares, any status, without a callback (`fetch`). */
  fetch(request: Request, signal?: AbortSignal): Promise<FetchOutcome> {
    return this.drive(request, signal, this.keepAnswer);
  }

  private async drive<T>(
    request: Request,
    signal: AbortSignal | undefined,
    handle: AnswerHandler<T>,
  ): Promise<T | RequestFailed> {
    const context: RunContext = {
      signal,
      counters: {},
      originUrl: request.url,
      backoffMs: 0,
      rateLimited: undefined,
      status: 0,
      ticket: undefined,
      hostThrottle: undefined,
    };
    let current = request;
    for (;;) {
      const result = await this.attempt(current, request, context, handle);
      if (!(result instanceof Request)) return result;
      current = result;
      if (context.backoffMs > 0) {
        const waitMs = context.backoffMs;
        context.backoffMs = 0;
        await sleep(waitMs, undefined, { signal });
      }
    }
  }

  /** One pass through the chain and the callback: the outcome, or a Request to send next. */
  private async attempt<T>(
    request: Request,
    original: Request,
    context: RunContext,
    handle: AnswerHandler<T>,
  ): Promise<T | RequestFailed | Request> {
    const { middlewares } = this.options;
    context.rateLimited = undefined;
    context.status = 0;
    try {
      let result: Request | Response;
      try {
        result = await middlewares.download(request, context, this.send);
      } catch (error) {
        return this.failure(error, context);
      }
      while (result instanceof Response) {
        try {
          return await handle(result, original);
        } catch (error) {
          if (!(error instanceof RateLimited || error instanceof RetryRequest))
            return this.failure(error, context);
          // An answer the callback found to be a rate limit or transient: the middlewares decide.
          let handled: Request | Response | undefined;
          try {
            handled = await middlewares.processException(request, error, context);
          } catch (hookError) {
            return this.failure(hookError, context);
          }
          if (handled === undefined) return this.failure(error, context);
          result = handled;
        }
      }
      return result;
    } finally {
      this.releaseTicket(context);
    }
  }

  /** The download function behind the chain. */
  private async download(request: Request, context: RunContext): Promise<Response> {
    const { slots, handler, stats } = this.options;
    const host = new URL(request.url).host;
    if (slots.limited) await slots.acquire(host, context.signal);
    try {
      const hostThrottle = this.options.throttle.forHost(host);
      context.ticket = await hostThrottle.acquire(context.signal);
      context.hostThrottle = hostThrottle;
      // Not abortable: a crawl that stops lets the requests already sent finish, so the answers the
      // server gave (and counted against the plan) are stored.
      const answer = await handler.request({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
      });
      context.status = answer.status;
      if (answer.redirectUrls.length) stats.inc('downloader/redirect_count', answer.redirectUrls.length);
      return new Response({
        url: answer.url,
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
        request,
      });
    } finally {
      if (slots.limited) slots.release(host);
    }
  }

  /** The throttle learns from the attempt's answer (a 429 in any form, or a normal answer). */
  private releaseTicket(context: RunContext): void {
    const { ticket, hostThrottle, rateLimited, status } = context;
    if (!ticket || !hostThrottle) return;
    context.ticket = undefined;
    hostThrottle.release(ticket, {
      rateLimited: rateLimited !== undefined,
      retryAfterMs: rateLimited?.retryAfterMs,
      ok: status >= 200 && status < 300 && rateLimited === undefined,
    });
  }

  /** The answer to its callback, if the spider handles its status. */
  private async parse(response: Response, original: Request): Promise<RequestOutcome> {
    const { spider, stats, logger } = this.options;
    const { status } = response;
    const handled = (status >= 200 && status < 300) || spider.handleHttpStatusList.includes(status);
    if (!handled) return { ok: false, reason: `HTTP ${status}`, scope: 'request' };
    const callbackName = original.callback;
    const callback = findCallback(spider, callbackName);
    const where = `spider ${spider.name}, callback ${callbackName ?? 'parse'}`;
    const output = await collectOutput(callback(response, { stats, logger }), where);
    return { ok: true, output, status };
  }

  /** What a failure means for the request; errors that are bugs (or the crawl stopping) propagate. */
  private failure(error: unknown, context: RunContext): RequestFailed {
    if (context.signal?.aborted) throw error;
    if (error instanceof IgnoreRequest) return { ok: false, reason: error.message, scope: error.scope };
    if (error instanceof HttpError) {
      const reason = error.code === 'EDECOMPRESS' ? 'malformed_body' : networkErrorReason(error);
      return { ok: false, reason: `network error ${reason}`, scope: 'request' };
    }
    if (error instanceof RateLimited || error instanceof RetryRequest || isNamed(error, 'TooManyRedirects'))
      return { ok: false, reason: (error as Error).message, scope: 'request' };
    throw error;
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
