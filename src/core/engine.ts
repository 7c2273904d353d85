/**
 * The engine: runs one spider on Crawlee's BasicCrawler and request queue (which dedupes requests by
 * uniqueKey), sends every request through the RequestRunner (throttle, retries, rate limits), passes
 * the items through the pipeline chain and keeps the stats. It knows nothing about any particular API.
 * What it does is told as signals (src/core/signals.ts); the log line per request, the progress bar,
 * the memory sampler and the stats dump are extensions listening to them, not the engine's business.
 *
 * - Crawlee's own retries are off (maxRequestRetries 0): Crawlee retries at once and ignores
 *   retry-after, so the RequestRunner owns retrying.
 * - Crawlee's autoscaled pool starts at minConcurrency and grows slowly; min = max =
 *   CONCURRENT_REQUESTS makes it run at the set value from the first request.
 * - With JOB_DIR the queue lives on disk there and is not purged: a stopped or killed crawl picks up
 *   where it was, with the requests its callbacks had found; a request that failed is put back in
 *   line when the crawl runs again (CrawlQueue).
 * - Start requests are read as the queue drains (StartFeeder), START_REQUESTS_BATCH at a time; a
 *   resumed crawl reads them all again and the queue skips those done.
 */
import { BasicCrawler, log as crawleeLog, LogLevel } from '@crawlee/basic';
import type { Logger } from 'winston';
import type { CrawlSettings, Settings } from '../settings';
import { CrawlQueue, Placement, QueuedRequestData } from './crawl-queue';
import type { FailureScope } from './errors';
import { openDownloader } from './downloader';
import type { DownloadHandler } from './download-handler';
import type { DownloaderMiddlewareFactory } from './downloader-middleware';
import type { ItemType } from './item';
import type { PipelineChain, PipelineContext } from './pipeline';
import { Request } from './request';
import { RequestOutcome, RequestRunner } from './request-runner';
import { Signals } from './signals';
import type { Spider } from './spider';
import { classifyOutput, OutputValue, streamOutput } from './spider-output';
import { StartFeeder } from './start-feeder';
import { StatsCollector, StatValue } from './stats';
import { Throttle } from './throttle';

export interface RequestFailure {
  label: string;
  group?: string;
  reason: string;
}

export interface CrawlResult {
  /** Requests this run had to do: the start requests and those found on the way (after the queue's dedupe, less those a resumed queue had done). */
  requestCount: number;
  /** Requests that did not succeed, with why. */
  failures: RequestFailure[];
  /** Items dropped as invalid data from the source (not counting expected drops such as duplicates). */
  lostItems: number;
  /** Set when the crawl was stopped (a signal) before it ran every request. */
  stoppedBy?: string;
  stats: Record<string, StatValue>;
}

export interface EngineOptions {
  settings: Settings;
  logger: Logger;
  pipelines: PipelineChain;
  /**
   * The crawl's signals, with the extensions' handlers connected (progress, the per-request log,
   * CloseSpider, ...). Default: a bus nobody listens to.
   */
  signals?: Signals;
  stats?: StatsCollector;
  /**
   * The throttle to send through, kept by the caller across crawls (a worker keeps one for all its
   * jobs, so its rate limit and what it learned hold from one job to the next). Default: a new one.
   */
  throttle?: Throttle;
  /** The download handler, kept (and closed) by the caller across crawls. Default: the crawl's own. */
  downloadHandler?: DownloadHandler;
  /**
   * The downloader middlewares there are, by name (the built-ins of src/middlewares and the spider's
   * own); DOWNLOADER_MIDDLEWARES_BASE + DOWNLOADER_MIDDLEWARES say which run, in which order.
   */
  downloaderMiddlewares: Readonly<Record<string, DownloaderMiddlewareFactory>>;
}

export interface SpiderRun {
  spider: Spider<object, object>;
  /** The item types the spider declares (its class's `itemTypes`). */
  itemTypes: readonly ItemType[];
  /** Told limit in requests per minute; 0: learned from 429s. */
  rateLimitPerMinute: number;
}

const INTERRUPTED = 'interrupted before it finished';

export class Engine {
  private readonly stats: StatsCollector;
  private readonly signals: Signals;
  private readonly failures: RequestFailure[] = [];
  /** Groups (or the whole crawl, under key '*') whose remaining requests are not sent, and why. */
  private readonly abandoned = new Map<string, string>();
  private readonly stopping = new AbortController();
  private crawler: BasicCrawler | undefined;
  private throttle: Throttle | undefined;
  private queue: CrawlQueue | undefined;
  private pausedBeforeMs = 0;
  private lostItems = 0;
  private requestCount = 0;
  /** Requests of this run done (finished or failed). */
  private done = 0;
  /** Start requests a resumed queue had done already. */
  private alreadyDone = 0;
  private feeder: StartFeeder | undefined;

  constructor(private readonly options: EngineOptions) {
    this.stats = options.stats ?? new StatsCollector();
    this.signals = options.signals ?? new Signals(options.logger);
  }

  /**
   * Stops gracefully: no new request starts, requests waiting on a backoff or a rate limit end as
   * interrupted (to be run by the next run), answers already in hand go through the pipelines.
   */
  stop(reason: string): void {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort(reason);
    this.throttle?.wakeAll();
    this.crawler?.stop(reason);
  }

  async run(spiderRun: SpiderRun): Promise<CrawlResult> {
    const { spider } = spiderRun;
    let reason = 'error';
    try {
      const startedAt = await this.runSpider(spiderRun);
      reason = this.stopping.signal.aborted ? String(this.stopping.signal.reason) : 'finished';
      this.setFinalStats(startedAt, reason);
    } catch (error) {
      this.stats.set('finish_reason', reason); // extensions closing after a crash see why
      throw error;
    } finally {
      // Also after an unexpected error: extensions release what they hold (the bar, timers).
      await this.signals.emit('spiderClosed', { spider, reason });
      await this.signals.emit('engineStopped', { reason });
    }
    return this.result();
  }

  /** Opens the spider, runs its requests, closes the pipelines; returns when it started. */
  private async runSpider({ spider, itemTypes, rateLimitPerMinute }: SpiderRun): Promise<Date> {
    const { settings, logger, pipelines } = this.options;
    const startedAt = new Date();
    this.stats.set('start_time', startedAt.toISOString());
    crawleeLog.setLevel(settings.LOG_LEVEL === 'debug' ? LogLevel.WARNING : LogLevel.ERROR);

    const context: PipelineContext = { spiderName: spider.name, settings, stats: this.stats, logger };
    this.throttle = this.options.throttle ?? new Throttle(settings, rateLimitPerMinute);
    this.pausedBeforeMs = this.throttle.pausedMs();
    const downloader = openDownloader({
      settings: settings as CrawlSettings,
      spider,
      registry: this.options.downloaderMiddlewares,
      throttle: this.throttle,
      stats: this.stats,
      logger,
      handler: this.options.downloadHandler,
    });
    const { runner } = downloader;

    const queue = await CrawlQueue.open(settings.JOB_DIR);
    this.queue = queue;
    await pipelines.open(context);
    try {
      await queue.putFailedBackInLine();
      // What a resumed queue has in line, then the start requests as they are read.
      this.requestCount = await queue.pendingCount();
      this.feeder = new StartFeeder(
        streamOutput(spider.startRequests(), `spider ${spider.name}, startRequests`),
        (values) => this.scheduleStart(classifyOutput(spider, itemTypes, 'startRequests', values), context),
        settings.START_REQUESTS_BATCH,
      );
      await this.feeder.feed();
      await this.signals.emit('spiderOpened', { spider, requestCount: this.requestCount });
      const told = rateLimitPerMinute > 0 ? `${rateLimitPerMinute}/min` : 'untold (learned from 429s)';
      const more = this.feeder.exhausted ? '' : ' (more as the queue drains)';
      logger.info(
        `spider ${spider.name}: ${this.requestCount} requests to start with${more}, concurrency ${settings.CONCURRENT_REQUESTS}, ` +
          `rate limit ${told}, pipelines ${pipelines.names.join(' > ') || '(none)'}, ` +
          `downloader middlewares ${downloader.middlewareNames.join(' > ') || '(none)'}`,
      );
      // Stopped while starting (a signal during the start requests): nothing is sent.
      if (!this.stopping.signal.aborted) await this.crawl(runner, spider, itemTypes, queue, context);
      this.feeder.check();
    } finally {
      await this.feeder?.close();
      await downloader.close();
      await pipelines.close(context);
    }
    return startedAt;
  }

  /** Runs the queue to its end (or the stop) on Crawlee's BasicCrawler. */
  private async crawl(
    runner: RequestRunner,
    spider: Spider<object, object>,
    itemTypes: readonly ItemType[],
    queue: CrawlQueue,
    context: PipelineContext,
  ): Promise<void> {
    const concurrency = this.options.settings.CONCURRENT_REQUESTS;
    this.crawler = new BasicCrawler(
      {
        requestQueue: queue.crawlee,
        minConcurrency: concurrency,
        maxConcurrency: concurrency,
        maxRequestRetries: 0,
        useSessionPool: false,
        // Retries and rate-limit waits happen inside the handler; the download timeout bounds each attempt.
        requestHandlerTimeoutSecs: 24 * 3600,
        statusMessageLoggingInterval: 24 * 3600,
        autoscaledPoolOptions: {
          desiredConcurrency: concurrency,
          // Not finished while start requests are left to read: the queue may run dry between batches.
          isFinishedFunction: async () => {
            if (this.feedStart()) return false;
            return queue.crawlee.isFinished();
          },
        },
        requestHandler: async ({ request: queued }) => {
          const data = queued.userData as QueuedRequestData;
          const request = Request.fromJSON(data.request);
          const outcome = await this.runOne(runner, request);
          if (!outcome.ok) {
            await queue.markFailed(queued.id, data, outcome.reason);
            await this.fail(request, outcome.reason, outcome.scope);
          } else {
            if (this.signals.listening('responseReceived')) {
              const received = { request, status: outcome.status, outputCount: outcome.output.length };
              await this.signals.emit('responseReceived', received);
            }
            const output = classifyOutput(spider, itemTypes, request.callback ?? 'parse', outcome.output);
            await this.finish(request, outcome.status, output, context);
          }
          if (queued.id) queue.forget(queued.id);
          this.feedStart();
        },
        failedRequestHandler: async ({ request: queued }, error) => {
          // Only an unexpected error (a bug in a spider or pipeline, a value a callback can't yield) gets here.
          const data = queued.userData as QueuedRequestData;
          await queue.markFailed(queued.id, data, error.message);
          await this.fail(Request.fromJSON(data.request), error.message, 'request');
        },
      },
      queue.config,
    );
    await this.crawler.run();
  }

  /**
   * Reads the next batch of start requests in the background when fewer than half a batch wait in
   * line (none after a stop, or once a batch failed: the crawl then stops). Whether any are left.
   */
  private feedStart(): boolean {
    const feeder = this.feeder as StartFeeder;
    if (feeder.failed) this.crawler?.stop('the start requests failed'); // thrown by run() once stopped
    if (feeder.exhausted || this.stopping.signal.aborted) return false;
    const wanted = () =>
      this.requestCount - this.done < feeder.batchSize / 2 && !this.stopping.signal.aborted;
    if (wanted()) feeder.feedInBackground(wanted);
    return true;
  }

  /** The start output where it goes: requests into the queue, items (if any) through the pipelines. */
  private async scheduleStart(values: readonly OutputValue[], context: PipelineContext) {
    const requests: Request[] = [];
    for (const value of values) {
      if ('request' in value) requests.push(value.request);
      else await this.processItem(value.item, value.type, context, undefined);
    }
    await this.enqueue(requests, 'start');
  }

  private async enqueue(requests: readonly Request[], from: 'start' | 'callback'): Promise<void> {
    const queue = this.queue as CrawlQueue;
    const front = requests.filter((request) => request.priority > 0);
    const back = requests.filter((request) => request.priority <= 0);
    for (const [batch, forefront] of [
      [back, false],
      [front, true],
    ] as const) {
      if (batch.length === 0) continue;
      const placements = await queue.add(
        batch.map((request) => ({
          url: request.url,
          uniqueKey: request.uniqueKey,
          userData: { request: request.toJSON() } satisfies QueuedRequestData,
        })),
        forefront,
        from,
      );
      const count = (placement: Placement) => placements.filter((p) => p === placement).length;
      if (from === 'start') this.alreadyDone += count('done');
      const duplicates = count('duplicate');
      if (duplicates > 0) this.stats.inc('dupefilter/filtered', duplicates);
      if (from === 'callback') this.stats.inc('scheduler/enqueued/followed', count('queued'));
      this.requestCount += count('queued');
      await this.emitScheduled(batch, placements, from);
    }
  }

  /**
   * requestScheduled for each request the queue took, requestDropped for each it had seen (a request
   * a resumed queue had in line or done is neither: it is not this run's). Only when someone listens.
   */
  private async emitScheduled(
    batch: readonly Request[],
    placements: readonly Placement[],
    from: 'start' | 'callback',
  ): Promise<void> {
    const { signals } = this;
    if (!signals.listening('requestScheduled') && !signals.listening('requestDropped')) return;
    for (const [k, request] of batch.entries()) {
      if (placements[k] === 'queued') await signals.emit('requestScheduled', { request, from });
      else if (placements[k] === 'duplicate')
        await signals.emit('requestDropped', { request, reason: 'duplicate', from });
    }
  }

  private async processItem(
    item: object,
    type: ItemType,
    context: PipelineContext,
    request: Request | undefined,
  ): Promise<'passed' | 'dropped'> {
    const { signals } = this;
    let result;
    try {
      result = await this.options.pipelines.process(item, type, context);
    } catch (error) {
      if (signals.listening('itemError'))
        await signals.emit('itemError', { item, type, error: error as Error, request });
      throw error;
    }
    if (!result.dropped) {
      if (signals.listening('itemScraped'))
        await signals.emit('itemScraped', { item: result.item, type, request });
      return 'passed';
    }
    if (result.invalid) this.lostItems += 1;
    if (signals.listening('itemDropped')) {
      const { pipeline, reason, invalid } = result;
      await signals.emit('itemDropped', { item, type, pipeline, reason, invalid, request });
    }
    return 'dropped';
  }

  private async runOne(runner: RequestRunner, request: Request): Promise<RequestOutcome> {
    const reason = this.abandoned.get('*') ?? (request.group ? this.abandoned.get(request.group) : undefined);
    if (reason !== undefined) return { ok: false, reason: `not sent: ${reason}`, scope: 'request' };
    try {
      return await runner.run(request, this.stopping.signal);
    } catch (error) {
      if (this.stopping.signal.aborted) return { ok: false, reason: INTERRUPTED, scope: 'request' };
      throw error;
    }
  }

  /** Records a failed request and what it abandons (its group, or the crawl); then requestFailed. */
  private async fail(request: Request, reason: string, scope: FailureScope) {
    this.failures.push({ label: request.label, group: request.group, reason });
    if (scope === 'crawl') this.abandoned.set('*', reason);
    if (scope === 'group' && request.group !== undefined) this.abandoned.set(request.group, reason);
    this.done += 1;
    if (this.signals.listening('requestFailed'))
      await this.signals.emit('requestFailed', {
        request,
        reason,
        scope,
        done: this.done,
        total: this.requestCount,
      });
  }

  /** Records a finished request: its items through the pipelines, its requests queued; then requestFinished. */
  private async finish(
    request: Request,
    status: number,
    output: readonly OutputValue[],
    context: PipelineContext,
  ) {
    let passed = 0;
    let dropped = 0;
    const requests: Request[] = [];
    const items: { item: object; type: ItemType }[] = [];
    for (const value of output) {
      if ('request' in value) requests.push(value.request);
      else items.push(value);
    }
    // An answer's items go through the pipelines together, CONCURRENT_ITEMS at a time, not one after
    // the other: a storing pipeline can then commit them in one transaction (a market chart is 365).
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const { item, type } = items[next++];
        if ((await this.processItem(item, type, context, request)) === 'passed') passed += 1;
        else dropped += 1;
      }
    };
    const workers = Math.min(items.length, this.options.settings.CONCURRENT_ITEMS);
    const outcomes = await Promise.allSettled(Array.from({ length: workers }, worker));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    if (requests.length) await this.enqueue(requests, 'callback');
    this.done += 1;
    if (this.signals.listening('requestFinished')) {
      await this.signals.emit('requestFinished', {
        request,
        status,
        itemsScraped: passed,
        itemsDropped: dropped,
        requestsFound: requests.length,
        done: this.done,
        total: this.requestCount,
      });
    }
  }

  /** The stats of the end (Scrapy's CoreStats), set before spiderClosed so extensions see them. */
  private setFinalStats(startedAt: Date, reason: string): void {
    const finishedAt = new Date();
    const elapsed = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    const throttle = this.throttle as Throttle;
    const notRun = Math.max(0, this.requestCount - this.done);
    this.stats.set('finish_time', finishedAt.toISOString());
    this.stats.set('finish_reason', reason);
    this.stats.set('elapsed_time_seconds', elapsed);
    this.stats.set('request_failed_count', this.failures.length);
    this.stats.set('ratelimit/paused_seconds', Math.round(throttle.pausedMs() - this.pausedBeforeMs) / 1000);
    const budget = throttle.learnedBudget();
    if (Number.isFinite(budget)) this.stats.set('ratelimit/learned_window_budget', budget);
    const windowMs = throttle.learnedWindowMs();
    if (windowMs > 0) this.stats.set('ratelimit/learned_window_seconds', Math.round(windowMs) / 1000);
    const sent = this.stats.count('downloader/request_count');
    if (elapsed > 0)
      this.stats.set('downloader/requests_per_minute', Math.round((sent / elapsed) * 600) / 10);
    if (notRun > 0) this.stats.set('requests_not_run_count', notRun);
    if (this.alreadyDone > 0) this.stats.set('jobdir/already_done_count', this.alreadyDone);
  }

  /** What the run came to; its stats as they are after spiderClosed (extensions add to them). */
  private result(): CrawlResult {
    const stoppedBy = this.stopping.signal.aborted ? String(this.stopping.signal.reason) : undefined;
    return {
      requestCount: this.requestCount,
      failures: this.failures,
      lostItems: this.lostItems,
      stoppedBy,
      stats: this.stats.snapshot(),
    };
  }
}
