/**
 * The spiders `--spider` can name and `crawl.ts list` shows. Add yours here.
 */
import { UsageError } from '../core/errors';
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

/** The spider's name, or a UsageError listing the known ones (`source` names the flag or field). */
export function checkSpiderName(name: string, source = '--spider'): string {
  if (findSpider(name)) return name;
  const known = SPIDERS.map((spider) => spider.spiderName).join(', ');
  throw new UsageError(`${source} ${JSON.stringify(name)}: unknown spider (known: ${known})`);
}
