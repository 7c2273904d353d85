/**
 * `stats-dump`: the crawl's stats, logged when the spider closes, as Scrapy's "Dumping Scrapy
 * stats". Its order (900) puts it after the extensions that add to the stats at the close (memory).
 * A worker logs it at debug level (one line per job is enough there).
 */
import type { Extension, ExtensionContext } from '../core/extension';

export function statsDumpExtension({ stats, logger }: ExtensionContext, level: 'info' | 'debug'): Extension {
  return {
    spiderClosed() {
      logger.log(level, `Dumping crawl stats:\n${JSON.stringify(stats.snapshot(), null, 2)}`);
    },
  };
}
