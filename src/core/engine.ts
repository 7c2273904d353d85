/**
 * The engine: runs one spider on Crawlee's BasicCrawler and request queue (which dedupes requests by
 * uniqueKey), sends every request through the RequestRunner (throttle, retries, rate limits), passes
 * the items through the pipeline chain and keeps the stats. It knows nothing about any particular API.
 *
 * - Crawlee's own retries are off (maxRequestRetries 0): Crawlee retries at once and ignores
 *   retry-after, so the RequestRunner owns retrying.
 * - Crawlee's autoscaled pool starts at minConcurrency and grows slowly; min = max =
 *   CONCURRENT_REQUESTS makes it run at the set value from the first request.
 * - With JOB_DIR the queue lives on disk there and is not purged: a stopped or killed crawl picks up
 *   where it was, with the requests its callbacks had found. The queue marks a request handled once
 *   it has finished; a request that failed leaves a record in a second queue beside it, and is put
 *   back in line when the crawl runs again. (Crawlee's v1 queue: the v2 queue
 *   persists its request locks, which would hide a killed crawl's in-flight requests for the lock time.)
 */
import { BasicCrawler, Configuration, log as crawleeLog, LogLevel, RequestQueueV1 } from '@crawlee/basic';
import { randomUUID } from 'node:crypto';
import { MemoryStorage } from '@crawlee/memory-storage';
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { FailureScope } from './errors';
import { HttpClient } from './http-client';
import type { ItemType } from './item';
import type { PipelineChain, PipelineContext } from './pipeline';
import type { Progress } from './progress';
import { Request, RequestData } from './request';
import { RequestOutcome, RequestRunner } from './request-runner';
import { RetryPolicy } from './retry-policy';
import type { Spider } from './spider';
import { classifyOutput, collectOutput, OutputValue } from './spider-output';
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
  progress: Progress;
  stats?: StatsCollector;
  /**
   * The throttle to send through, kept by the caller across crawls (a worker keeps one for all its
   * jobs, so its rate limit and what it learned hold from one job to the next). Default: a new one.
   */
  throttle?: Throttle;
}

export interface SpiderRun {
  spider: Spider<object, object>;
  /** The item types the spider declares (its class's `itemTypes`). */
  itemTypes: readonly ItemType[];
  /** Told limit in requests per minute; 0: learned from 429s. */
  rateLimitPerMinute: number;
}

/** What the queue keeps of a request besides its URL (JSON only: it may be written to JOB_DIR). */
interface QueuedRequestData {
  request: RequestData;
  /** Why it failed, when it did: such a request is put back in line by the next run. */
  failed?: string;
}

const INTERRUPTED = 'interrupted before it finished';
/** Start requests go into the queue this many at a time. */
const START_BATCH = 1000;
/** What the job dir's `failed` queue keeps of a failed request: which request to put back in line. */
interface FailedRecord {
  id: string;
}

export class Engine {
  private readonly stats: StatsCollector;
  private readonly failures: RequestFailure[] = [];
  /** Groups (or the whole crawl, under key '*') whose remaining requests are not sent, and why. */
  private readonly abandoned = new Map<string, string>();
  private readonly stopping = new AbortController();
  private crawler: BasicCrawler | undefined;
  private throttle: Throttle | undefined;
  private queue: RequestQueueV1 | undefined;
  /**
   * With a job dir, a second queue where each failed request leaves a record (one, added once), so
   * the next run puts it back in line, whether it was a start request or one found on the way.
   */
  private failedQueue: RequestQueueV1 | undefined;
  private pausedBeforeMs = 0;
  private lostItems = 0;
  private requestCount = 0;
  /** Start requests a resumed queue had done already. */
  private alreadyDone = 0;

  constructor(private readonly options: EngineOptions) {
    this.stats = options.stats ?? new StatsCollector();
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

  async run({ spider, itemTypes, rateLimitPerMinute }: SpiderRun): Promise<CrawlResult> {
    const { settings, logger, pipelines, progress } = this.options;
    const startedAt = new Date();
    this.stats.set('start_time', startedAt.toISOString());
    crawleeLog.setLevel(settings.LOG_LEVEL === 'debug' ? LogLevel.WARNING : LogLevel.ERROR);

    const context: PipelineContext = { spiderName: spider.name, settings, stats: this.stats, logger };
    this.throttle = this.options.throttle ?? new Throttle(settings, rateLimitPerMinute);
    this.pausedBeforeMs = this.throttle.pausedMs();
    const client = new HttpClient({
      timeoutMs: settings.DOWNLOAD_TIMEOUT * 1000,
      redirect: { enabled: settings.REDIRECT_ENABLED, maxTimes: settings.REDIRECT_MAX_TIMES },
      secretHeaders: [...spider.secretHeaderNames],
      proxy: { httpProxy: settings.HTTP_PROXY, httpsProxy: settings.HTTPS_PROXY, noProxy: settings.NO_PROXY },
    });
    const runner = new RequestRunner({
      spider,
      client,
      policy: new RetryPolicy(settings),
      throttle: this.throttle,
      stats: this.stats,
      logger,
      defaultHeaders: { 'user-agent': settings.USER_AGENT },
    });

    const { queue, failedQueue, config } = await openQueues(settings.JOB_DIR);
    this.queue = queue;
    this.failedQueue = failedQueue;
    await pipelines.open(context);
    try {
      await this.putFailedBackInLine();
      const startOutput = await collectOutput(spider.startRequests(), `spider ${spider.name}, startRequests`);
      await this.scheduleStart(classifyOutput(spider, itemTypes, 'startRequests', startOutput), context);
      if (this.alreadyDone > 0) this.stats.set('jobdir/already_done_count', this.alreadyDone);
      // What is in line: this run's start requests, and those a resumed crawl had found before.
      this.requestCount = (await queue.client.listHead({ limit: Number.MAX_SAFE_INTEGER })).items.length;
      progress.start(this.requestCount);
      const told = rateLimitPerMinute > 0 ? `${rateLimitPerMinute}/min` : 'untold (learned from 429s)';
      logger.info(
        `spider ${spider.name}: ${this.requestCount} requests to start with, concurrency ${settings.CONCURRENT_REQUESTS}, ` +
          `rate limit ${told}, pipelines ${pipelines.names.join(' > ') || '(none)'}`,
      );
      // Stopped while starting (a signal during the start requests): nothing is sent.
      if (!this.stopping.signal.aborted) await this.crawl(runner, spider, itemTypes, config, context);
    } finally {
      progress.stop();
      client.close();
      await pipelines.close(context);
    }
    return this.result(startedAt);
  }

  /** Runs the queue to its end (or the stop) on Crawlee's BasicCrawler. */
  private async crawl(
    runner: RequestRunner,
    spider: Spider<object, object>,
    itemTypes: readonly ItemType[],
    config: Configuration,
    context: PipelineContext,
  ): Promise<void> {
    const concurrency = this.options.settings.CONCURRENT_REQUESTS;
    this.crawler = new BasicCrawler(
      {
        requestQueue: this.queue,
        minConcurrency: concurrency,
        maxConcurrency: concurrency,
        autoscaledPoolOptions: { desiredConcurrency: concurrency },
        maxRequestRetries: 0,
        useSessionPool: false,
        // Retries and rate-limit waits happen inside the handler; the download timeout bounds each attempt.
        requestHandlerTimeoutSecs: 24 * 3600,
        statusMessageLoggingInterval: 24 * 3600,
        requestHandler: async ({ request: queued }) => {
          const data = queued.userData as QueuedRequestData;
          const request = Request.fromJSON(data.request);
          const outcome = await this.runOne(runner, request);
          if (!outcome.ok) {
            await this.markFailed(queued.id, data, outcome.reason);
            this.fail(request, outcome.reason, outcome.scope);
            return;
          }
          const output = classifyOutput(spider, itemTypes, request.callback ?? 'parse', outcome.output);
          await this.finish(request, outcome.status, output, context);
        },
        failedRequestHandler: async ({ request: queued }, error) => {
          // Only an unexpected error (a bug in a spider or pipeline, a value a callback can't yield) gets here.
          const data = queued.userData as QueuedRequestData;
          await this.markFailed(queued.id, data, error.message);
          this.fail(Request.fromJSON(data.request), error.message, 'request');
        },
      },
      config,
    );
    // Peak memory, sampled once a second (reading it per item costs more than the item).
    const sampleMemory = () => this.stats.max('memory/peak_rss_bytes', process.memoryUsage.rss());
    const sampler = setInterval(sampleMemory, 1000);
    try {
      await this.crawler.run();
    } finally {
      clearInterval(sampler);
      sampleMemory();
    }
  }

  /** The start output where it goes: requests into the queue, items (if any) through the pipelines. */
  private async scheduleStart(values: readonly OutputValue[], context: PipelineContext) {
    const requests: Request[] = [];
    for (const value of values) {
      if ('request' in value) requests.push(value.request);
      else await this.processItem(value.item, value.type, context);
    }
    for (let i = 0; i < requests.length; i += START_BATCH) {
      await this.enqueue(requests.slice(i, i + START_BATCH), 'start');
    }
  }

  private async enqueue(requests: readonly Request[], from: 'start' | 'callback'): Promise<void> {
    const queue = this.queue as RequestQueueV1;
    const front = requests.filter((request) => request.priority > 0);
    const back = requests.filter((request) => request.priority <= 0);
    for (const [batch, forefront] of [
      [back, false],
      [front, true],
    ] as const) {
      if (batch.length === 0) continue;
      const { addedRequests } = await queue.addRequestsBatched(
        batch.map((request) => ({
          url: request.url,
          uniqueKey: request.uniqueKey,
          userData: { request: request.toJSON() } satisfies QueuedRequestData,
        })),
        // Crawlee sleeps a second between batches of 1,000 by default: one batch, no sleep.
        {
          forefront,
          waitForAllRequestsToBeAdded: true,
          batchSize: Math.max(1000, batch.length),
          waitBetweenBatchesMillis: 0,
        },
      );
      const added = addedRequests.filter((request) => !request.wasAlreadyPresent).length;
      const done = await this.alreadyHandled(addedRequests, from);
      // Requests a resumed queue had done are not duplicates; the others not added are.
      const filtered = batch.length - added - done;
      if (filtered > 0) this.stats.inc('dupefilter/filtered', filtered);
      if (from === 'callback' && added > 0) {
        this.stats.inc('scheduler/enqueued/followed', added);
        this.requestCount += added;
        this.options.progress.grow(added);
      }
    }
  }

  /**
   * How many of these queued requests a resumed queue had done. A start request that failed last
   * time, as its stored data says (a job dir of an earlier version has only that), goes back in line.
   */
  private async alreadyHandled(
    added: readonly { requestId: string; wasAlreadyHandled: boolean }[],
    from: 'start' | 'callback',
  ): Promise<number> {
    let done = 0;
    for (const { requestId, wasAlreadyHandled } of added) {
      if (!wasAlreadyHandled) continue;
      const failedBefore =
        from === 'start' && (await this.putBackInLine(requestId, (data) => data.failed !== undefined));
      if (!failedBefore) done += 1;
    }
    if (from === 'start') this.alreadyDone += done;
    return done;
  }

  /** A failed request is put back in line by the next run with the same job dir. */
  private async markFailed(id: string | undefined, data: QueuedRequestData, reason: string) {
    data.failed = reason;
    if (!this.failedQueue || id === undefined) return;
    await this.failedQueue.addRequest({
      url: data.request.url,
      uniqueKey: `${id} ${randomUUID()}`,
      userData: { id } satisfies FailedRecord,
    });
  }

  /** Requests that failed (or were interrupted) last time, by their records: back in line. */
  private async putFailedBackInLine(): Promise<void> {
    const failedQueue = this.failedQueue;
    if (!failedQueue) return;
    for (
      let record = await failedQueue.fetchNextRequest();
      record;
      record = await failedQueue.fetchNextRequest()
    ) {
      await this.putBackInLine((record.userData as FailedRecord).id, () => true);
      await failedQueue.markRequestHandled(record);
    }
  }

  /** Puts a handled request back in line with a clean slate when `when` says so; whether it did. */
  private async putBackInLine(id: string, when: (data: QueuedRequestData) => boolean): Promise<boolean> {
    const queue = this.queue as RequestQueueV1;
    const previous = await queue.getRequest(id);
    const data = previous?.userData as QueuedRequestData | undefined;
    if (!previous?.handledAt || !data || !when(data)) return false;
    delete data.failed;
    await queue.client.updateRequest({ ...previous, handledAt: undefined, userData: data } as never);
    return true;
  }

  private async processItem(
    item: object,
    type: ItemType,
    context: PipelineContext,
  ): Promise<'passed' | 'dropped'> {
    const result = await this.options.pipelines.process(item, type, context);
    if (!result.dropped) return 'passed';
    if (result.invalid) this.lostItems += 1;
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

  /** Records a failed request and what it abandons (its group, or the crawl); then its progress line. */
  private fail(request: Request, reason: string, scope: FailureScope) {
    this.failures.push({ label: request.label, group: request.group, reason });
    if (scope === 'crawl') this.abandoned.set('*', reason);
    if (scope === 'group' && request.group !== undefined) this.abandoned.set(request.group, reason);
    const { logger, progress } = this.options;
    logger.warn(`[${progress.tick(request.label)}] ${request.label}: FAILED: ${reason}`);
  }

  /** Records a finished request: its items through the pipelines, its requests queued; then its progress line. */
  private async finish(
    request: Request,
    status: number,
    output: readonly OutputValue[],
    context: PipelineContext,
  ) {
    let passed = 0;
    let dropped = 0;
    const requests: Request[] = [];
    for (const value of output) {
      if ('request' in value) requests.push(value.request);
      else if ((await this.processItem(value.item, value.type, context)) === 'passed') passed += 1;
      else dropped += 1;
    }
    if (requests.length) await this.enqueue(requests, 'callback');
    const drops = dropped ? `, ${dropped} dropped` : '';
    const follows = requests.length ? `, ${requests.length} request(s)` : '';
    const { logger, progress } = this.options;
    logger.info(
      `[${progress.tick(request.label)}] ${request.label}: HTTP ${status}, ${passed} item(s)${drops}${follows}`,
    );
  }

  private result(startedAt: Date): CrawlResult {
    const finishedAt = new Date();
    const elapsed = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    const throttle = this.throttle as Throttle;
    const requestCount = this.requestCount;
    const notRun = Math.max(0, requestCount - this.options.progress.done);
    const stoppedBy = this.stopping.signal.aborted ? String(this.stopping.signal.reason) : undefined;
    this.stats.set('finish_time', finishedAt.toISOString());
    this.stats.set('finish_reason', stoppedBy ?? 'finished');
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
    this.stats.max('memory/peak_rss_bytes', process.memoryUsage().rss);
    if (notRun > 0) this.stats.set('requests_not_run_count', notRun);
    return {
      requestCount,
      failures: this.failures,
      lostItems: this.lostItems,
      stoppedBy,
      stats: this.stats.snapshot(),
    };
  }
}

/**
 * The request queue: in memory, or on disk in JOB_DIR (kept between runs: that is the resume), with
 * the queue of failed requests' records beside it.
 */
async function openQueues(
  jobDir: string,
): Promise<{ queue: RequestQueueV1; failedQueue?: RequestQueueV1; config: Configuration }> {
  if (!jobDir) {
    const config = new Configuration({ persistStorage: false, purgeOnStart: true });
    return { queue: await RequestQueueV1.open(null, { config }), config };
  }
  const storageClient = new MemoryStorage({
    localDataDirectory: jobDir,
    persistStorage: true,
    // No metadata files: a kill -9 during one of their frequent rewrites can leave one half-written,
    // and the queue then fails to open. Nothing here reads them (the pending count comes from the queue).
    writeMetadata: false,
  });
  const config = new Configuration({ persistStorage: true, purgeOnStart: false, storageClient });
  return {
    queue: await RequestQueueV1.open('crawl', { config, storageClient }),
    failedQueue: await RequestQueueV1.open('failed', { config, storageClient }),
    config,
  };
}
