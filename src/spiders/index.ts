/**
 * The spiders `--spider` can name and `crawl.ts list` shows. Add yours here.
 */
import type { SpiderClass } from '../core/spider';
import { CoinGeckoHistorySpider } from './coingecko-history';
import { CoinGeckoMarketChartSpider } from './coingecko-market-chart';
import { CoinGeckoTopSpider } from './coingecko-top';
import { CatalogueSpider } from './examples/catalogue/catalogue-spider';

export const SPIDERS: readonly SpiderClass[] = [
  CoinGeckoHistorySpider,
  CoinGeckoMarketChartSpider,
  CoinGeckoTopSpider,
  CatalogueSpider,
];

export const DEFAULT_SPIDER = CoinGeckoHistorySpider.spiderName;

export function findSpider(name: string): SpiderClass | undefined {
  return SPIDERS.find((spider) => spider.spiderName === name);
}
