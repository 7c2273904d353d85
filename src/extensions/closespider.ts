/**
 * `closespider`: Scrapy's CloseSpider. Stops the crawl gracefully (as SIGTERM does: requests in
 * flight finish and their items are stored, the job dir stays resumable) once one of its limits is
 * reached, with `finish_reason` `closespider_<limit>`:
 *
 * - CLOSESPIDER_ITEMCOUNT: items that passed every pipeline;
 * - CLOSESPIDER_PAGECOUNT: answers the spider read;
 * - CLOSESPIDER_ERRORCOUNT: requests that failed;
 * - CLOSESPIDER_TIMEOUT: seconds since the crawl opened.
 *
 * Each is off at 0; with all four off it is not configured. It listens only to the signals its
 * limits need, so an unused limit costs nothing per request.
 */
import type { Extension, ExtensionContext } from '../core/extension';

export function closeSpiderExtension({ settings, closeSpider }: ExtensionContext): Extension | null {
  const { CLOSESPIDER_ITEMCOUNT, CLOSESPIDER_PAGECOUNT, CLOSESPIDER_ERRORCOUNT, CLOSESPIDER_TIMEOUT } =
    settings;
  const extension: Extension = {};
  if (CLOSESPIDER_ITEMCOUNT > 0) {
    let items = 0;
    extension.itemScraped = () => {
      if (++items >= CLOSESPIDER_ITEMCOUNT) closeSpider('closespider_itemcount');
    };
  }
  if (CLOSESPIDER_PAGECOUNT > 0) {
    let pages = 0;
    extension.responseReceived = () => {
      if (++pages >= CLOSESPIDER_PAGECOUNT) closeSpider('closespider_pagecount');
    };
  }
  if (CLOSESPIDER_ERRORCOUNT > 0) {
    let errors = 0;
    extension.requestFailed = () => {
      if (++errors >= CLOSESPIDER_ERRORCOUNT) closeSpider('closespider_errorcount');
    };
  }
  if (CLOSESPIDER_TIMEOUT > 0) {
    let timer: NodeJS.Timeout | undefined;
    extension.spiderOpened = () => {
      timer = setTimeout(() => closeSpider('closespider_timeout'), CLOSESPIDER_TIMEOUT * 1000);
    };
    extension.spiderClosed = () => clearTimeout(timer);
  }
  return Object.keys(extension).length > 0 ? extension : null;
}
