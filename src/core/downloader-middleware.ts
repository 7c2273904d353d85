/**
 * Downloader middlewares (Scrapy's DownloaderMiddlewareManager): hooks around every download, each
 * enabled by name in DOWNLOADER_MIDDLEWARES_BASE + DOWNLOADER_MIDDLEWARES (name -> order, null off).
 *
 * Scrapy's ordering, from scrapy/core/downloader/middleware.py:
 * - `processRequest` runs in increasing order. Nothing: the next one runs, and after the last the
 *   request is downloaded. A Response: the download is skipped (and the remaining processRequest
 *   hooks) and that response goes through every processResponse hook. A Request: it is scheduled
 *   again in place of this one (the chain stops).
 * - `processResponse` runs in decreasing order (the middleware nearest the download sees the answer
 *   first). It returns a Response (possibly another one) for the next hook, or a Request, which is
 *   scheduled again and stops the chain. A hook that throws fails the request (throw IgnoreRequest
 *   to give up with a reason).
 * - `processException` runs in decreasing order when the download (or a processRequest hook)
 *   throws. Nothing: the next one runs, and after the last the request fails with the error. A
 *   Response: it goes through every processResponse hook. A Request: scheduled again.
 *
 * "Scheduled again" here means sent through the chain again at once by the same handler (after any
 * `backoffMs` a hook set), not put back in the queue: the queue entry stays in flight until the
 * request has its final outcome, so a killed crawl resumes it. Errors a callback throws that are
 * about the answer (RateLimited, RetryRequest) also go through processException, so the hooks that
 * handle a 429 or a retryable status handle their in-body forms too.
 *
 * The hooks' arrays are built once, so a request through the chain allocates nothing but its context.
 */
import type { Logger } from 'winston';
import type { CrawlSettings } from '../settings';
import { UsageError } from './errors';
import { Request } from './request';
import { Response } from './response';
import { enabledComponents } from './settings-loader';
import type { Spider } from './spider';
import type { StatsCollector } from './stats';

/** What processRequest and processException may give back: nothing (go on), a Request or a Response. */
export type MiddlewareResult = Request | Response | undefined | void;

/**
 * The state of one request from the queue while it goes through the chain, kept across the times
 * it is scheduled again (retries, redirects, rate-limit waits). One per request; hooks share it.
 */
export interface DownloadContext {
  /** Aborted when the crawl stops: a hook that waits should wait on it. */
  readonly signal: AbortSignal | undefined;
  /** Counters that hooks keep per request (`retry_times`, `ratelimit_times`, `redirect_times`): Scrapy's request.meta. */
  readonly counters: Record<string, number>;
  /** The URL the request had when it left the queue (the API key goes only to its origin). */
  readonly originUrl: string;
  /** Set by a hook that schedules the request again: wait this long first (a retry's backoff). */
  backoffMs: number;
  /**
   * Set by the hook that recognises a rate-limit answer: the throttle learns it when the attempt
   * ends (`retryAfterMs`: what the server asked for, when it said).
   */
  rateLimited: { retryAfterMs: number | undefined } | undefined;
  /** Status of the last answer downloaded in this attempt (0: none, or a network error). */
  status: number;
}

/** What every middleware may use besides the request: the crawl's parts. */
export interface MiddlewareServices {
  spider: Spider<object, object>;
  stats: StatsCollector;
  logger: Logger;
}

export interface DownloaderMiddleware {
  /** Before the download, in increasing order. May change `request.headers` in place. */
  processRequest?(request: Request, context: DownloadContext): MiddlewareResult | Promise<MiddlewareResult>;
  /** After the download, in decreasing order. */
  processResponse?(
    request: Request,
    response: Response,
    context: DownloadContext,
  ): Request | Response | Promise<Request | Response>;
  /** When the download or a processRequest hook throws, in decreasing order. */
  processException?(
    request: Request,
    error: unknown,
    context: DownloadContext,
  ): MiddlewareResult | Promise<MiddlewareResult>;
  /** When the crawl ends. */
  close?(): void | Promise<void>;
}

/**
 * Builds one middleware from the crawl's settings; registered by name in `src/middlewares/index.ts`,
 * or by a spider (`SpiderClass.downloaderMiddlewares`). Returns undefined when its settings turn it
 * off (Scrapy's NotConfigured: HTTPCACHE_ENABLED false, say), so it costs nothing per request.
 */
export type DownloaderMiddlewareFactory = (
  settings: CrawlSettings,
  services: MiddlewareServices,
) => DownloaderMiddleware | undefined;

/** Sends one request (the download handler behind the chain, with the throttle's gate in front). */
export type DownloadFunction = (request: Request, context: DownloadContext) => Promise<Response>;

type RequestHook = (
  request: Request,
  context: DownloadContext,
) => MiddlewareResult | Promise<MiddlewareResult>;
type ResponseHook = (
  request: Request,
  response: Response,
  context: DownloadContext,
) => Request | Response | Promise<Request | Response>;
type ExceptionHook = (
  request: Request,
  error: unknown,
  context: DownloadContext,
) => MiddlewareResult | Promise<MiddlewareResult>;

export class DownloaderMiddlewareManager {
  private readonly requestHooks: readonly RequestHook[];
  private readonly responseHooks: readonly ResponseHook[];
  private readonly exceptionHooks: readonly ExceptionHook[];

  private constructor(
    readonly names: readonly string[],
    private readonly middlewares: readonly DownloaderMiddleware[],
  ) {
    this.requestHooks = middlewares.flatMap((m) => (m.processRequest ? [m.processRequest.bind(m)] : []));
    const reversed = [...middlewares].reverse();
    this.responseHooks = reversed.flatMap((m) => (m.processResponse ? [m.processResponse.bind(m)] : []));
    this.exceptionHooks = reversed.flatMap((m) => (m.processException ? [m.processException.bind(m)] : []));
  }

  /** The enabled names of DOWNLOADER_MIDDLEWARES_BASE + DOWNLOADER_MIDDLEWARES, lowest order first. */
  static enabledNames(registry: Readonly<Record<string, unknown>>, settings: CrawlSettings): string[] {
    const enabled = enabledComponents(settings.DOWNLOADER_MIDDLEWARES_BASE, settings.DOWNLOADER_MIDDLEWARES);
    for (const name of enabled) {
      if (!Object.prototype.hasOwnProperty.call(registry, name)) {
        const known = Object.keys(registry).join(', ');
        throw new UsageError(`DOWNLOADER_MIDDLEWARES: unknown middleware "${name}" (known: ${known})`);
      }
    }
    return enabled;
  }

  static fromSettings(
    registry: Readonly<Record<string, DownloaderMiddlewareFactory>>,
    settings: CrawlSettings,
    services: MiddlewareServices,
  ): DownloaderMiddlewareManager {
    const names: string[] = [];
    const middlewares: DownloaderMiddleware[] = [];
    for (const name of DownloaderMiddlewareManager.enabledNames(registry, settings)) {
      const middleware = registry[name](settings, services);
      if (!middleware) continue;
      names.push(name);
      middlewares.push(middleware);
    }
    return new DownloaderMiddlewareManager(names, middlewares);
  }

  /**
   * One pass of `request` through the chain and `download`: the Response for the callback, or a
   * Request to send again. Throws what fails the request.
   */
  async download(
    request: Request,
    context: DownloadContext,
    download: DownloadFunction,
  ): Promise<Request | Response> {
    let result: Request | Response;
    try {
      result = await this.beforeDownload(request, context, download);
    } catch (error) {
      // A Response from processException has been through the processResponse hooks already.
      const handled = await this.processException(request, error, context);
      if (handled === undefined) throw error;
      return handled;
    }
    return result instanceof Request ? result : this.processResponse(request, result, context);
  }

  /**
   * The processException hooks for an error about the answer found after the chain (one a callback
   * threw): a Request to send again, a Response for the callback, or undefined (the error stands).
   */
  async processException(
    request: Request,
    error: unknown,
    context: DownloadContext,
  ): Promise<Request | Response | undefined> {
    for (const hook of this.exceptionHooks) {
      const result = await hook(request, error, context);
      if (result instanceof Request) return result;
      if (result instanceof Response) return this.processResponse(request, result, context);
    }
    return undefined;
  }

  async close(): Promise<void> {
    for (const middleware of this.middlewares) await middleware.close?.();
  }

  private async beforeDownload(
    request: Request,
    context: DownloadContext,
    download: DownloadFunction,
  ): Promise<Request | Response> {
    for (const hook of this.requestHooks) {
      const returned = hook(request, context);
      // Most hooks are synchronous: awaiting only promises saves a microtask per hook on the hot path.
      const result = returned instanceof Promise ? await returned : returned;
      if (result instanceof Request || result instanceof Response) return result;
    }
    return download(request, context);
  }

  private async processResponse(
    request: Request,
    response: Response,
    context: DownloadContext,
  ): Promise<Request | Response> {
    let current = response;
    for (const hook of this.responseHooks) {
      const returned = hook(request, current, context);
      const result = returned instanceof Promise ? await returned : returned;
      if (result instanceof Request) return result;
      current = result;
    }
    return current;
  }
}
