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
import {
  BasicCrawler,
  Configuration,
  KeyValueStore,
  log as crawleeLog,
  LogLevel,
  RequestQueueV1,
} from '@crawlee/basic';
import { MemoryStorage } from '@crawlee/memory-storage';
import type { Logger } from 'winston';
import type { Settings } from '../settings';
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
/** The job dir's record of the requests that failed, to put back in line when the crawl resumes. */
const FAILED_RECORD = 'FAILED_REQUESTS';

export class Engine {
  private readonly stats: StatsCollector;
  private readonly failures: RequestFailure[] = [];
  /** Groups (or the whole crawl, under key '*') whose remaining requests are not sent, and why. */
  private readonly abandoned = new Map<string, string>();
  private readonly stopping = new AbortController();
  private crawler: BasicCrawler | undefined;
  private throttle: Throttle | undefined;
  private queue: RequestQueueV1 | undefined;
  private state: KeyValueStore | undefined;
  private readonly failedIds = new Set<string>();
  private pausedBeforeMs = 0;
  private lostItems = 0;
  private requestCount = 0;

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

    const { queue, config } = await openQueue(settings.JOB_DIR);
    this.queue = queue;
    if (settings.JOB_DIR) this.state = await KeyValueStore.open('crawl-state', { config });
    await pipelines.open(context);
    try {
      await this.putFailedBackInLine();
      const startOutput = await collectOutput(spider.startRequests());
      await this.schedule(classifyOutput(spider, itemTypes, 'startRequests', startOutput), context, 'start');
      const info = await queue.getInfo();
      const alreadyDone = info?.handledRequestCount ?? 0;
      if (alreadyDone > 0) this.stats.set('jobdir/already_done_count', alreadyDone);
      this.requestCount = info?.pendingRequestCount ?? 0;
      progress.start(this.requestCount);
      const told = rateLimitPerMinute > 0 ? `${rateLimitPerMinute}/min` : 'untold (learned from 429s)';
      logger.info(
        `spider ${spider.name}: ${this.requestCount} requests to start with, concurrency ${settings.CONCURRENT_REQUESTS}, ` +
          `rate limit ${told}, pipelines ${pipelines.names.join(' > ') || '(none)'}`,
      );

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
          requestHandler: async ({ request: queued }) => {
            const data = queued.userData as QueuedRequestData;
            const request = Request.fromJSON(data.request);
            const outcome = await this.runOne(runner, request);
            const output = outcome.ok
              ? classifyOutput(spider, itemTypes, request.callback ?? 'parse', outcome.output)
              : undefined;
            if (!outcome.ok) await this.markFailed(queued.id, data, outcome.reason);
            await this.finish(request, outcome, output, context);
          },
          failedRequestHandler: async ({ request: queued }, error) => {
            // Only an unexpected error (a bug in a spider or pipeline, a value a callback can't yield) gets here.
            const data = queued.userData as QueuedRequestData;
            await this.markFailed(queued.id, data, error.message);
            const request = Request.fromJSON(data.request);
            await this.finish(
              request,
              { ok: false, reason: error.message, scope: 'request' },
              undefined,
              context,
            );
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
    } finally {
      progress.stop();
      client.close();
      await pipelines.close(context);
    }
    return this.result(startedAt);
  }

  /** Puts requests and items where they go: requests into the queue, items through the pipelines. */
  private async schedule(
    values: readonly OutputValue[],
    context: PipelineContext,
    from: 'start' | 'callback',
  ) {
    const requests: Request[] = [];
    for (const value of values) {
      if ('request' in value) requests.push(value.request);
      else await this.processItem(value.item, value.type, context);
    }
    for (let i = 0; i < requests.length; i += START_BATCH) {
      await this.enqueue(requests.slice(i, i + START_BATCH), from);
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
      const filtered = batch.length - added;
      if (filtered > 0) this.stats.inc('dupefilter/filtered', filtered);
      if (from === 'callback' && added > 0) {
        this.stats.inc('scheduler/enqueued/followed', added);
        this.requestCount += added;
        this.options.progress.grow(added);
      }
    }
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

  /** A failed request is put back in line by the next run with the same job dir. */
  private async markFailed(id: string | undefined, data: QueuedRequestData, reason: string) {
    data.failed = reason;
    if (!this.state || id === undefined) return;
    this.failedIds.add(id);
    await this.state.setValue(FAILED_RECORD, [...this.failedIds]);
  }

  /** Requests that failed (or were interrupted) last time: back in line, with a clean slate. */
  private async putFailedBackInLine(): Promise<void> {
    const queue = this.queue as RequestQueueV1;
    const ids = ((await this.state?.getValue<string[]>(FAILED_RECORD)) ?? []) as string[];
    for (const id of ids) {
      const previous = await queue.getRequest(id);
      if (!previous) continue;
      const data = previous.userData as QueuedRequestData;
      delete data.failed;
      await queue.client.updateRequest({ ...previous, handledAt: undefined, userData: data } as never);
    }
    if (ids.length) await this.state?.setValue(FAILED_RECORD, []);
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

  /** Records a finished request: its output scheduled, or its failure; then its progress line. */
  private async finish(
    request: Request,
    outcome: RequestOutcome,
    output: OutputValue[] | undefined,
    context: PipelineContext,
  ) {
    const { logger, progress } = this.options;
    if (!outcome.ok || !output) {
      const reason = outcome.ok ? 'no output' : outcome.reason;
      this.failures.push({ label: request.label, group: request.group, reason });
      if (!outcome.ok && outcome.scope === 'crawl') this.abandoned.set('*', reason);
      if (!outcome.ok && outcome.scope === 'group' && request.group !== undefined)
        this.abandoned.set(request.group, reason);
      logger.warn(`[${progress.tick(request.label)}] ${request.label}: FAILED: ${reason}`);
      return;
    }
    let passed = 0;
    let dropped = 0;
    let followed = 0;
    const requests: Request[] = [];
    for (const value of output) {
      if ('request' in value) {
        requests.push(value.request);
        followed += 1;
      } else if ((await this.processItem(value.item, value.type, context)) === 'passed') passed += 1;
      else dropped += 1;
    }
    if (requests.length) await this.enqueue(requests, 'callback');
    const drops = dropped ? `, ${dropped} dropped` : '';
    const follows = followed ? `, ${followed} request(s)` : '';
    logger.info(
      `[${progress.tick(request.label)}] ${request.label}: HTTP ${outcome.status}, ${passed} item(s)${drops}${follows}`,
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
