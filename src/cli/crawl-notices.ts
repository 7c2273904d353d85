/**
 * What a crawl says besides its progress and summary, where a new user would otherwise be left
 * guessing: a DATABASE_URL that this crawl does not use, an API URL that answers 404 to everything,
 * a feed left empty because every day was already stored, and feeds of a crawl that did not finish.
 */
import type { Logger } from 'winston';
import type { CrawlResult } from '../core/engine';
import { configuredFeeds, hasFeeds } from '../feeds/feed-options';
import type { Settings } from '../settings';

/** Before the first request. */
export function logCrawlIntro(settings: Settings, logger: Logger): void {
  if (settings.DATABASE_URL && !settings.DB_STORE) {
    logger.info('DATABASE_URL is set but not used: this crawl stores no rows (add --db-store to store them)');
  }
}

/** After the summary. */
export function logCrawlAdvice(
  settings: Settings,
  logger: Logger,
  outcome: { result: CrawlResult; skipped: number; itemsStored: number },
): void {
  const { failures } = outcome.result;
  // CoinGecko answers an unknown coin with 404 `{"error":"coin not found"}`; a bare 404 for every
  // request means the requests went to some other server's path (a base URL without /api/v3).
  if (
    failures.length > 0 &&
    outcome.itemsStored === 0 &&
    failures.every((f) => /^HTTP 404 /.test(f.reason))
  ) {
    const url = settings.API_URL ? ` (${settings.API_URL})` : '';
    logger.warn(
      `every request answered HTTP 404 without CoinGecko's "coin not found": the API URL${url} looks wrong; ` +
        'it is the base the paths /coins/... go under, e.g. https://api.coingecko.com/api/v3 or, for the mock, ' +
        'http://127.0.0.1:8000/api/v3',
    );
  }
  if (!hasFeeds(settings)) return;
  const uris = configuredFeeds(settings).map((feed) => feed.uri);
  const feeds = uris.length === 1 ? `the feed ${uris[0]}` : `the feeds ${uris.join(', ')}`;
  if (outcome.itemsStored === 0 && outcome.skipped > 0 && failures.length === 0) {
    logger.warn(
      `${feeds} ${uris.length === 1 ? 'has' : 'have'} no items: every day was already stored (--force fetches them again)`,
    );
  }
  // Each feed file is whole (closed and renamed into place), but holds only what this crawl got.
  const { result } = outcome;
  const why = result.stoppedBy
    ? `it was stopped (${result.stoppedBy})`
    : failures.length > 0
      ? `${failures.length} request(s) failed`
      : result.lostItems > 0
        ? `${result.lostItems} item(s) were invalid`
        : undefined;
  if (why)
    logger.warn(
      `${feeds} ${uris.length === 1 ? 'is' : 'are'} INCOMPLETE: ${why}; it holds only the items stored`,
    );
}
