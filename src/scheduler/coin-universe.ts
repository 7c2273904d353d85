/**
 * Which coins a market-wide backfill covers: the top N by market cap (the `coingecko_top` spider's
 * ranking, `/coins/markets` pages of 250) or every id CoinGecko lists (`/coins/list`, one request).
 * A handful of requests, sent before any job is queued, through `coingecko_top`'s downloader as a
 * crawl of it sends them (the way `fetch` does): its settings, the downloader middlewares (the API
 * key's header, retries, 429s waited out) and the throttle, on the rate limit the workers share
 * (RATE_LIMIT_SCOPE, `database` by default here, as for the workers that run the jobs).
 */
import type { Logger } from 'winston';
import { openDownloader } from '../core/downloader';
import { Request } from '../core/request';
import type { SettingsSources } from '../core/settings-loader';
import { NOTHING_STORED } from '../core/spider';
import { StatsCollector } from '../core/stats';
import { Throttle } from '../core/throttle';
import { crawlSettings } from '../crawler/crawl-settings';
import { middlewareRegistry } from '../crawler/open-crawl';
import { openSharedLimit } from '../crawler/shared-limit';
import { apiBaseUrl } from '../spiders/coingecko-api';
import { CoinGeckoTopSpider, coinIdsOf, MARKETS_PAGE_SIZE, marketsPageUrl } from '../spiders/coingecko-top';
import { todayUtc } from '../util/dates';

/** The top `top` coins by market cap, or `all` of `/coins/list`. */
export type CoinUniverse = { top: number } | { all: true };

/** The coin ids, in rank order for `top`, in the list's order for `all`. */
export async function fetchCoinIds(
  sources: SettingsSources,
  universe: CoinUniverse,
  logger: Logger,
): Promise<string[]> {
  const settings = crawlSettings(sources, CoinGeckoTopSpider);
  const today = todayUtc();
  const top = 'top' in universe ? universe.top : 1;
  const args = { top, endpoint: 'market_chart' as const, startDate: today, endDate: today };
  const spider = new CoinGeckoTopSpider({ args, settings, stored: NOTHING_STORED });
  const sharedLimit = await openSharedLimit(settings, 'database', (message) => logger.warn(message));
  const throttle = new Throttle(settings, settings.RATE_LIMIT || spider.rateLimitPreset(), sharedLimit);
  const downloader = openDownloader({
    settings,
    spider,
    registry: middlewareRegistry(CoinGeckoTopSpider),
    throttle,
    stats: new StatsCollector(),
    logger,
  });
  const get = async (url: string): Promise<unknown[]> => {
    const path = new URL(url).pathname.replace(/^.*\/coins\//, '/coins/');
    const outcome = await downloader.runner.fetch(new Request({ url }));
    if (!outcome.ok) throw new Error(`${path}: ${outcome.reason}`);
    const { status, text } = outcome.response;
    if (status !== 200) throw new Error(`${path} answered HTTP ${status}: ${text.slice(0, 200)}`);
    const body = parseJson(text);
    if (!Array.isArray(body)) throw new Error(`${path}: the answer is not a JSON array`);
    return body;
  };
  const base = apiBaseUrl(settings);
  try {
    if ('all' in universe) return coinIdsOf(await get(`${base}/coins/list`), '/coins/list');
    const ids: string[] = [];
    const perPage = Math.min(MARKETS_PAGE_SIZE, universe.top);
    for (let page = 1; ids.length < universe.top; page++) {
      const entries = await get(marketsPageUrl(base, page, perPage));
      ids.push(...coinIdsOf(entries, '/coins/markets'));
      // A short page is the ranking's end.
      if (entries.length < perPage) break;
    }
    return [...new Set(ids)].slice(0, universe.top);
  } finally {
    await downloader.close();
    await sharedLimit?.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
