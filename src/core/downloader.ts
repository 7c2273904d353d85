/**
 * The downloader of one crawl (Scrapy's Downloader with its middleware manager): the enabled
 * downloader middlewares, the download handler, the per-host slots and the throttle, put together
 * into the RequestRunner that takes each request to its end. The engine opens one per crawl; `fetch`
 * and `parse` open one for a single request, so it goes through the same middlewares (the key
 * header, the cache) as a crawl's.
 */
import type { Logger } from 'winston';
import type { CrawlSettings } from '../settings';
import { createDownloadHandler, DownloadHandler } from './download-handler';
import { DownloaderMiddlewareFactory, DownloaderMiddlewareManager } from './downloader-middleware';
import { HostSlots } from './host-slots';
import { RequestRunner } from './request-runner';
import type { Spider } from './spider';
import type { StatsCollector } from './stats';
import type { Throttle } from './throttle';

export interface DownloaderOptions {
  settings: CrawlSettings;
  spider: Spider<object, object>;
  /** The middlewares there are, by name; the settings say which run. */
  registry: Readonly<Record<string, DownloaderMiddlewareFactory>>;
  throttle: Throttle;
  stats: StatsCollector;
  logger: Logger;
  /** A handler kept open by the caller (a worker's, across its jobs). Default: one of the crawl's own. */
  handler?: DownloadHandler;
}

export interface Downloader {
  runner: RequestRunner;
  /** The enabled middlewares' names, in order (for the log). */
  middlewareNames: readonly string[];
  /** Closes the middlewares, and the handler's connections when it is the downloader's own. */
  close(): Promise<void>;
}

export function openDownloader({
  settings,
  spider,
  registry,
  throttle,
  stats,
  logger,
  handler: given,
}: DownloaderOptions): Downloader {
  const middlewares = DownloaderMiddlewareManager.fromSettings(registry, settings, { spider, stats, logger });
  const handler = given ?? createDownloadHandler(settings);
  const runner = new RequestRunner({
    spider,
    handler,
    middlewares,
    throttle,
    slots: new HostSlots(settings.CONCURRENT_REQUESTS_PER_DOMAIN),
    stats,
    logger,
  });
  return {
    runner,
    middlewareNames: middlewares.names,
    close: async () => {
      if (!given) handler.close();
      await middlewares.close();
    },
  };
}
