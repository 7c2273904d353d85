/**
 * Runs one opened crawl to its end and logs its summary: shared by `crawl`, `daily` and the queue's
 * jobs. Stopping is an AbortSignal, so the caller decides what stops it (a signal, a worker shutting
 * down); the engine then finishes the requests in flight and stores their items.
 */
import type { Logger } from 'winston';
import { CrawlResult, Engine } from '../core/engine';
import { installExtensions } from '../core/extension';
import type { Progress } from '../core/progress';
import { describeSettings } from '../core/settings-loader';
import { Signals } from '../core/signals';
import { StatsCollector } from '../core/stats';
import { Throttle } from '../core/throttle';
import type { KeptAcrossCrawls } from './kept-across-crawls';
import type { PreparedCrawl } from './open-crawl';
import { logCrawlSummary } from './summary';

export interface RunCrawlOptions {
  logger: Logger;
  /** The bar the `progress` extension draws (on a terminal). Default: none. */
  progress?: Progress;
  /** Aborting it stops the crawl gracefully. */
  stopSignal?: AbortSignal;
  /** What to do after a stopped crawl, for the summary. */
  resumeHint: string;
  /**
   * The throttle and download handler kept across crawls: a worker passes the same to all its jobs,
   * so its rate limit and its connections hold between them. Default: the crawl's own.
   */
  kept?: KeptAcrossCrawls;
  /** The level of the stats dump (default info). */
  statsLevel?: 'info' | 'debug';
}

export interface CrawlOutcome {
  result: CrawlResult;
  /** Every requested item was stored: no failed request, no invalid item, not stopped. */
  complete: boolean;
  /** Items not requested because they were already stored. */
  skipped: number;
  /** Items that went through every pipeline. */
  itemsStored: number;
}

export async function runCrawl(
  crawl: PreparedCrawl,
  { logger, progress, stopSignal, resumeHint, kept, statsLevel = 'info' }: RunCrawlOptions,
): Promise<CrawlOutcome> {
  const { settings, spider, spiderClass, pipelines } = crawl;
  crawl.logger.current = logger;
  const stats = new StatsCollector();
  const rateLimit = settings.RATE_LIMIT || spider.rateLimitPreset();
  const throttle =
    kept?.throttle(settings, rateLimit, crawl.sharedLimit) ??
    new Throttle(settings, rateLimit, crawl.sharedLimit);
  const signals = new Signals(logger);
  // The spider asks "already stored?" while the crawl runs (as it finds what to ask for): counted
  // before the extensions read the final stats.
  signals.connect(
    'spiderClosed',
    () => stats.set('incremental/skipped_count', crawl.skipped.count),
    'crawler',
  );
  const engine = new Engine({
    settings,
    logger,
    pipelines,
    stats,
    throttle,
    downloadHandler: kept?.downloadHandler(settings),
    signals,
    downloaderMiddlewares: crawl.downloaderMiddlewares,
  });
  const context = { settings, stats, logger, throttle, closeSpider: (reason: string) => engine.stop(reason) };
  installExtensions(crawl.extensions, context, { progress, statsLevel }, signals);
  const stop = () => engine.stop(String(stopSignal?.reason ?? 'stopped'));
  if (stopSignal?.aborted) stop();
  stopSignal?.addEventListener('abort', stop);
  try {
    logger.debug(`settings: ${JSON.stringify(describeSettings(settings))}`);
    logger.info(`storing to ${crawl.storage.join(' and ') || 'nothing (no storing pipeline enabled)'}`);
    if (crawl.sharedLimit) {
      const processes = await crawl.sharedLimit.processes();
      logger.info(
        `rate limit shared through the database by ${processes} process${processes === 1 ? '' : 'es'} on this API key`,
      );
    }
    const result = await engine.run({
      spider,
      itemTypes: spiderClass.itemTypes,
      rateLimitPerMinute: rateLimit,
    });
    logCrawlSummary(result, logger, { skipped: crawl.skipped.count, resumeHint });
    return {
      result,
      complete:
        result.failures.length === 0 &&
        result.lostItems === 0 &&
        !result.stoppedBy &&
        !result.stats['requests_not_run_count'],
      skipped: crawl.skipped.count,
      itemsStored: Number(result.stats['item_scraped_count'] ?? 0),
    };
  } finally {
    stopSignal?.removeEventListener('abort', stop);
  }
}
