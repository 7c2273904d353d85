/**
 * `request-log`: one log line per request done, with the count, the percentage and an ETA:
 * `[16/16 100% ETA 0:00] bitcoin 2017-12-30: HTTP 200, 1 item(s)` (info), or `...: FAILED: why`
 * (warn). `--set EXTENSIONS.request-log=null` turns it off (the summary still names every failure).
 */
import type { Extension, ExtensionContext } from '../core/extension';
import { progressText } from '../core/progress';

export function requestLogExtension({ logger }: ExtensionContext): Extension {
  let startedAt = Date.now();
  return {
    spiderOpened() {
      startedAt = Date.now();
    },
    requestFinished({ request, status, itemsScraped, itemsDropped, requestsFound, done, total }) {
      const drops = itemsDropped ? `, ${itemsDropped} dropped` : '';
      const follows = requestsFound ? `, ${requestsFound} request(s)` : '';
      const count = progressText(done, total, Date.now() - startedAt);
      logger.info(`[${count}] ${request.label}: HTTP ${status}, ${itemsScraped} item(s)${drops}${follows}`);
    },
    requestFailed({ request, reason, done, total }) {
      logger.warn(
        `[${progressText(done, total, Date.now() - startedAt)}] ${request.label}: FAILED: ${reason}`,
      );
    },
  };
}
