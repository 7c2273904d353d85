/**
 * `memory`: the peak resident memory of the process, as `memory/peak_rss_bytes` (Scrapy's
 * MemoryUsage keeps `memusage/max`). Sampled once a second while the crawl runs, and at its start
 * and end: reading it per item would cost more than the item.
 */
import type { Extension, ExtensionContext } from '../core/extension';

const SAMPLE_EVERY_MS = 1000;

export function memoryUsageExtension({ stats }: ExtensionContext): Extension {
  const sample = () => stats.max('memory/peak_rss_bytes', process.memoryUsage.rss());
  let sampler: NodeJS.Timeout | undefined;
  return {
    spiderOpened() {
      sample();
      // unref: a sampler must never keep a finished process alive.
      sampler = setInterval(sample, SAMPLE_EVERY_MS).unref();
    },
    spiderClosed() {
      clearInterval(sampler);
      sample();
    },
  };
}
