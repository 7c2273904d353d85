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
 *   where it was. The queue marks a request handled once it has finished; a request that failed is
 *   marked as such, and put back in line when the crawl runs again. (Crawlee's v1 queue: the v2 queue
 *   persists its request locks, which would hide a killed crawl's in-flight requests for the lock time.)
 */
import { BasicCrawler, Configuration, log as crawleeLog, LogLevel, RequestQueueV1 } from '@crawlee/basic';
import { MemoryStorage } from '@crawlee/memory-storage';
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { PipelineChain, PipelineContext } from './pipeline';
import type { Progress } from './progress';
import { RequestOutcome, RequestRunner } from './request-runner';
import { RetryPolicy } from './retry-policy';
import type { Spider, SpiderRequest } from './spider';
import { StatsCollector, StatValue } from './stats';
import { Throttle } from './throttle';

export interface RequestFailure {
  label: string;
  group?: string;
  reason: string;
}

export interface CrawlResult {
  /** Requests this run had to do (after the queue's dedupe, and less those a resumed queue had done). */
  requestCount: number;
  /** Requests that did not succeed, with why. */
  failures: RequestFailure[];
  /** Items a pipeline dropped where data was lost (not counting expected drops such as duplicates). */
  lostItems: number;
  /** Set when the crawl was stopped (a signal) before it ran every request. */
  stoppedBy?: string;
  stats: Record<string, StatValue>;
}

export interface EngineOptions<Item> {
  settings: Settings;
  logger: Logger;
  pipelines: PipelineChain<Item>;
  progress: Progress;
  stats?: StatsCollector;
  /**
   * The throttle to send through, kept by the caller across crawls (a worker keeps one for all its
   * jobs, so its rate limit and what it learned hold from one job to the next). Default: a new one.
   */
  throttle?: Throttle;
}

/** What the queue keeps of a SpiderRequest besides its URL (JSON only: it may be written to JOB_DIR). */
interface QueuedRequestData {
  request: SpiderRequest;
  /** Why it failed, when it did: such a request is put back in line by the next run. */
  failed?: string;
}

const INTERRUPTED = 'interrupted before it finished';

export class Engine<Item> {
  private readonly stats: StatsCollector;
  private readonly failures: RequestFailure[] = [];
  /** Groups (or the whole crawl, under key '*') whose remaining requests are not sent, and why. */
  private readonly abandoned = new Map<string, string>();
  private readonly stopping = new AbortController();
  private crawler: BasicCrawler | undefined;
  private throttle: Throttle | undefined;
  private pausedBeforeMs = 0;
  private lostItems = 0;

  constructor(private readonly options: EngineOptions<Item>) {
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

  async run(spider: Spider<Item>, rateLimitPerMinute: number): Promise<CrawlResult> {
    const { settings, logger, pipelines, progress } = this.options;
    const startedAt = new Date();
    this.stats.set('start_time', startedAt.toISOString());
    crawleeLog.setLevel(settings.LOG_LEVEL === 'debug' ? LogLevel.WARNING : LogLevel.ERROR);

    const context: PipelineContext = { spiderName: spider.name, settings, stats: this.stats, logger };
    this.throttle = this.options.throttle ?? new Throttle(settings, rateLimitPerMinute);
    this.pausedBeforeMs = this.throttle.pausedMs();
    const runner = new RequestRunner({
      spider,
      policy: new RetryPolicy(settings),
      throttle: this.throttle,
      stats: this.stats,
      logger,
      timeoutMs: settings.DOWNLOAD_TIMEOUT * 1000,
    });

    const { queue, config } = await openQueue(settings.JOB_DIR);
    const requestCount = await this.enqueue(queue, spider);
    progress.start(requestCount);
    const told = rateLimitPerMinute > 0 ? `${rateLimitPerMinute}/min` : 'untold (learned from 429s)';
    logger.info(
      `spider ${spider.name}: ${requestCount} requests, concurrency ${settings.CONCURRENT_REQUESTS}, ` +
        `rate limit ${told}, pipelines ${pipelines.names.join(' > ') || '(none)'}`,
    );

    await pipelines.open(context);
    const concurrency = settings.CONCURRENT_REQUESTS;
    this.crawler = new BasicCrawler(
      {
        requestQueue: queue,
        minConcurrency: concurrency,
        maxConcurrency: concurrency,
        autoscaledPoolOptions: { desiredConcurrency: concurrency },
        maxRequestRetries: 0,
        useSessionPool: false,
        // Retries and rate-limit waits happen inside the handler; the download timeout bounds each attempt.
        requestHandlerTimeoutSecs: 24 * 3600,
        statusMessageLoggingInterval: 24 * 3600,
        requestHandler: async ({ request }) => {
          const data = request.userData as QueuedRequestData;
          const outcome = await this.runOne(runner, data.request);
          if (!outcome.ok) data.failed = outcome.reason;
          await this.finish(data.request, outcome, context);
        },
        failedRequestHandler: async ({ request }, error) => {
          // Only an unexpected error (a bug in a spider or pipeline) gets here.
          const data = request.userData as QueuedRequestData;
          data.failed = error.message;
          await this.finish(data.request, { ok: false, reason: error.message, scope: 'request' }, context);
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
      progress.stop();
      await pipelines.close(context);
    }
    return this.result(requestCount, startedAt);
  }

  /** Adds the spider's requests; returns how many are to be run now (a resumed queue has done some). */
  private async enqueue(queue: RequestQueueV1, spider: Spider<Item>): Promise<number> {
    const requests = [...spider.startRequests()].map((request) => ({
      url: request.url,
      uniqueKey: request.uniqueKey ?? request.url,
      userData: { request } satisfies QueuedRequestData,
    }));
    // Crawlee sleeps a second between batches of 1,000 by default: one batch, no sleep.
    const { addedRequests } = await queue.addRequestsBatched(requests, {
      waitForAllRequestsToBeAdded: true,
      batchSize: Math.max(1000, requests.length),
      waitBetweenBatchesMillis: 0,
    });
    let done = 0;
    for (const added of addedRequests) {
      if (!added.wasAlreadyHandled) continue;
      const previous = await queue.getRequest(added.requestId);
      const data = previous?.userData as QueuedRequestData | undefined;
      if (previous && data?.failed !== undefined) {
        // Failed (or interrupted) last time: back in line, with a clean slate.
        delete data.failed;
        await queue.client.updateRequest({ ...previous, handledAt: undefined, userData: data } as never);
      } else {
        done += 1;
      }
    }
    if (done > 0) this.stats.set('jobdir/already_done_count', done);
    return addedRequests.length - done;
  }

  private async runOne(runner: RequestRunner<Item>, request: SpiderRequest): Promise<RequestOutcome<Item>> {
    const reason = this.abandoned.get('*') ?? (request.group ? this.abandoned.get(request.group) : undefined);
    if (reason !== undefined) return { ok: false, reason: `not sent: ${reason}`, scope: 'request' };
    try {
      return await runner.run(request, this.stopping.signal);
    } catch (error) {
      if (this.stopping.signal.aborted) return { ok: false, reason: INTERRUPTED, scope: 'request' };
      throw error;
    }
  }

  /** Records a finished request: its items through the pipelines, or its failure; then its progress line. */
  private async finish(request: SpiderRequest, outcome: RequestOutcome<Item>, context: PipelineContext) {
    const { logger, progress } = this.options;
    if (!outcome.ok) {
      this.failures.push({ label: request.label, group: request.group, reason: outcome.reason });
      if (outcome.scope === 'crawl') this.abandoned.set('*', outcome.reason);
      if (outcome.scope === 'group' && request.group !== undefined)
        this.abandoned.set(request.group, outcome.reason);
      logger.warn(`[${progress.tick(request.label)}] ${request.label}: FAILED: ${outcome.reason}`);
      return;
    }
    let passed = 0;
    let dropped = 0;
    for (const item of outcome.items) {
      const result = await this.options.pipelines.process(item, context);
      if (!result.dropped) passed += 1;
      else {
        dropped += 1;
        if (result.lost) this.lostItems += 1;
      }
    }
    const drops = dropped ? `, ${dropped} dropped` : '';
    logger.info(
      `[${progress.tick(request.label)}] ${request.label}: HTTP ${outcome.status}, ${passed} item(s)${drops}`,
    );
  }

  private result(requestCount: number, startedAt: Date): CrawlResult {
    const finishedAt = new Date();
    const elapsed = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    const throttle = this.throttle as Throttle;
    const notRun = Math.max(0, requestCount - this.options.progress.done);
    const stoppedBy = this.stopping.signal.aborted ? String(this.stopping.signal.reason) : undefined;
    this.stats.set('finish_time', finishedAt.toISOString());
    this.stats.set('finish_reason', stoppedBy ?? 'finished');
    this.stats.set('elapsed_time_seconds', elapsed);
    this.stats.set('request_failed_count', this.failures.length);
    this.stats.set('ratelimit/paused_seconds', Math.round(throttle.pausedMs() - this.pausedBeforeMs) / 1000);
    const budget = throttle.learnedBudget();
    if (Number.isFinite(budget)) this.stats.set('ratelimit/learned_window_budget', budget);
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

/** The request queue: in memory, or on disk in JOB_DIR (kept between runs: that is the resume). */
async function openQueue(jobDir: string): Promise<{ queue: RequestQueueV1; config: Configuration }> {
  if (!jobDir) {
    const config = new Configuration({ persistStorage: false, purgeOnStart: true });
    return { queue: await RequestQueueV1.open(null, { config }), config };
  }
  const storageClient = new MemoryStorage({
    localDataDirectory: jobDir,
    persistStorage: true,
    writeMetadata: true,
  });
  const config = new Configuration({ persistStorage: true, purgeOnStart: false, storageClient });
  return { queue: await RequestQueueV1.open('crawl', { config, storageClient }), config };
}
