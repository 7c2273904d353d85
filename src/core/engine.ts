/**
 * The engine: runs one spider on Crawlee's BasicCrawler and RequestQueue (which dedupes requests by
 * uniqueKey), sends every request through the RequestRunner (retries, rate limits), passes the items
 * through the pipeline chain and keeps the stats. It knows nothing about any particular API.
 *
 * Crawlee's own retries are off (maxRequestRetries 0): Crawlee retries at once and ignores
 * retry-after, so the RequestRunner owns retrying. Crawlee's autoscaled pool would start at
 * minConcurrency and grow slowly; min = max = CONCURRENT_REQUESTS makes it run at the set value.
 */
import { BasicCrawler, Configuration, log as crawleeLog, LogLevel, RequestQueue } from '@crawlee/basic';
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { FailureScope } from './errors';
import { HostGate } from './host-gate';
import type { PipelineChain, PipelineContext } from './pipeline';
import type { Progress } from './progress';
import { RequestOutcome, RequestRunner } from './request-runner';
import { RetryPolicy } from './retry-policy';
import type { Spider, SpiderRequest } from './spider';
import { StatsCollector, StatValue } from './stats';

export interface RequestFailure {
  label: string;
  group?: string;
  reason: string;
}

export interface CrawlResult {
  /** Requests run (after the queue's dedupe). */
  requestCount: number;
  /** Requests that did not succeed, with why. */
  failures: RequestFailure[];
  /** Items a pipeline dropped where data was lost (not counting expected drops such as duplicates). */
  lostItems: number;
  stats: Record<string, StatValue>;
}

export interface EngineOptions<Item> {
  settings: Settings;
  logger: Logger;
  pipelines: PipelineChain<Item>;
  progress: Progress;
  stats?: StatsCollector;
}

/** What the queue keeps of a SpiderRequest besides its URL (JSON only: it may be written to --job-dir). */
interface QueuedRequestData {
  request: SpiderRequest;
}

export class Engine<Item> {
  private readonly stats: StatsCollector;
  private readonly failures: RequestFailure[] = [];
  /** Groups (or the whole crawl, under key '*') whose remaining requests are not sent, and why. */
  private readonly abandoned = new Map<string, string>();
  private lostItems = 0;

  constructor(private readonly options: EngineOptions<Item>) {
    this.stats = options.stats ?? new StatsCollector();
  }

  async run(spider: Spider<Item>): Promise<CrawlResult> {
    const { settings, logger, pipelines, progress } = this.options;
    const startedAt = new Date();
    this.stats.set('start_time', startedAt.toISOString());
    crawleeLog.setLevel(settings.LOG_LEVEL === 'debug' ? LogLevel.WARNING : LogLevel.ERROR);

    const context: PipelineContext = { spiderName: spider.name, settings, stats: this.stats, logger };
    const runner = new RequestRunner({
      spider,
      policy: new RetryPolicy(settings),
      gate: new HostGate(),
      stats: this.stats,
      logger,
      timeoutMs: settings.DOWNLOAD_TIMEOUT * 1000,
    });

    const config = new Configuration({ persistStorage: false, purgeOnStart: true });
    const queue = await RequestQueue.open(null, { config });
    const requests = [...spider.startRequests()];
    const { addedRequests } = await queue.addRequestsBatched(
      requests.map((request) => ({
        url: request.url,
        uniqueKey: request.uniqueKey ?? request.url,
        userData: { request } satisfies QueuedRequestData,
      })),
      { waitForAllRequestsToBeAdded: true },
    );
    const requestCount = addedRequests.filter((added) => !added.wasAlreadyPresent).length;
    progress.start(requestCount);
    logger.info(
      `spider ${spider.name}: ${requestCount} requests, concurrency ${settings.CONCURRENT_REQUESTS}, ` +
        `pipelines ${pipelines.names.join(' > ') || '(none)'}`,
    );

    await pipelines.open(context);
    const concurrency = settings.CONCURRENT_REQUESTS;
    const crawler = new BasicCrawler(
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
          const spiderRequest = (request.userData as QueuedRequestData).request;
          const outcome = await this.runOne(runner, spiderRequest);
          await this.finish(spiderRequest, outcome, context);
        },
        failedRequestHandler: async ({ request }, error) => {
          // Only an unexpected error (a bug in a spider or pipeline) gets here.
          const spiderRequest = (request.userData as QueuedRequestData).request;
          await this.finish(spiderRequest, { ok: false, reason: error.message, scope: 'request' }, context);
        },
      },
      config,
    );

    try {
      await crawler.run();
    } finally {
      progress.stop();
      await pipelines.close(context);
    }

    const finishedAt = new Date();
    this.stats.set('finish_time', finishedAt.toISOString());
    this.stats.set('elapsed_time_seconds', (finishedAt.getTime() - startedAt.getTime()) / 1000);
    this.stats.set('request_failed_count', this.failures.length);
    this.stats.max('memory/peak_rss_bytes', process.memoryUsage().rss);
    return {
      requestCount,
      failures: this.failures,
      lostItems: this.lostItems,
      stats: this.stats.snapshot(),
    };
  }

  private async runOne(runner: RequestRunner<Item>, request: SpiderRequest): Promise<RequestOutcome<Item>> {
    const reason = this.abandoned.get('*') ?? (request.group ? this.abandoned.get(request.group) : undefined);
    if (reason !== undefined) return { ok: false, reason: `not sent: ${reason}`, scope: 'request' };
    return runner.run(request);
  }

  /** Records a finished request: its items through the pipelines, or its failure; then its progress line. */
  private async finish(
    request: SpiderRequest,
    outcome: RequestOutcome<Item>,
    context: PipelineContext,
  ): Promise<void> {
    const { logger, progress } = this.options;
    if (!outcome.ok) {
      this.fail(request, outcome.reason, outcome.scope);
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
    this.stats.max('memory/peak_rss_bytes', process.memoryUsage().rss);
    const drops = dropped ? `, ${dropped} dropped` : '';
    logger.info(
      `[${progress.tick(request.label)}] ${request.label}: HTTP ${outcome.status}, ${passed} item(s)${drops}`,
    );
  }

  private fail(request: SpiderRequest, reason: string, scope: FailureScope): void {
    this.failures.push({ label: request.label, group: request.group, reason });
    if (scope === 'crawl') this.abandoned.set('*', reason);
    if (scope === 'group' && request.group !== undefined) this.abandoned.set(request.group, reason);
  }
}
