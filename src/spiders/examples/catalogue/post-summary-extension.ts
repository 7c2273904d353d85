/**
 * `post-summary`: an extension as a user writes one, brought by the example spider. When the spider
 * closes, it posts a JSON summary of the crawl (why it ended, items, requests, failures, seconds)
 * to CATALOGUE_SUMMARY_URL: a chat webhook, a dashboard. Not configured while that setting is empty.
 *
 * It reads only the crawl's signals and stats: nothing in the framework knows it.
 */
import type { Extension, ExtensionContext } from '../../../core/extension';

export function postSummaryExtension({ settings, stats, logger }: ExtensionContext): Extension | null {
  const url = String(settings.CATALOGUE_SUMMARY_URL ?? '');
  if (!url) return null;
  return {
    async spiderClosed({ spider, reason }) {
      const summary = {
        spider: spider.name,
        reason,
        items: stats.count('item_scraped_count'),
        dropped: stats.count('item_dropped_count'),
        requests: stats.count('downloader/request_count'),
        failed: stats.count('request_failed_count'),
        seconds: stats.count('elapsed_time_seconds'),
      };
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(summary),
        signal: AbortSignal.timeout(10_000),
      });
      // A failure here is logged by the signals with this extension's name; the crawl's data is kept.
      if (!response.ok) throw new Error(`the summary URL answered HTTP ${response.status}`);
      logger.info(`post-summary: posted the summary (${summary.items} items)`);
    },
  };
}
