/**
 * The spiders `--spider` can name and `crawl.ts list` shows. Add yours here.
 */
import type { SpiderClass } from '../core/spider';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { CoinGeckoHistorySpider } from './coingecko-history';
import { CoinGeckoMarketChartSpider } from './coingecko-market-chart';

export const SPIDERS: ReadonlyArray<SpiderClass<CoinHistoryItem>> = [
  CoinGeckoHistorySpider,
  CoinGeckoMarketChartSpider,
];

export const DEFAULT_SPIDER = CoinGeckoHistorySpider.spiderName;

export function findSpider(name: string): SpiderClass<CoinHistoryItem> | undefined {
  return SPIDERS.find((spider) => spider.spiderName === name);
}
