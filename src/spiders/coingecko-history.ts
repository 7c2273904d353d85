/**
 * `coingecko_history`: one `/coins/{id}/history` request per coin per day, each answer one
 * CoinHistoryItem. The port of the original Scrapy spider, minus its crash on days without data.
 */
import type { SpiderContext, SpiderRequest, SpiderResponse } from '../core/spider';
import { coinHistoryItemFromPayload, CoinHistoryItem, hasMarketData } from '../items/coin-history-item';
import { eachDay, toDayMonthYear } from '../util/dates';
import { apiBaseUrl, readApiAnswer } from './coingecko-api';
import { CoinGeckoSpider } from './coingecko-spider';
import { RetryRequest } from '../core/errors';

interface DayMeta extends Record<string, unknown> {
  coinId: string;
  date: string;
}

export class CoinGeckoHistorySpider extends CoinGeckoSpider {
  static readonly spiderName = 'coingecko_history';
  static readonly description = 'USD price, market cap and volume per coin per day, from /coins/{id}/history';

  readonly name = CoinGeckoHistorySpider.spiderName;

  *startRequests(): Generator<SpiderRequest> {
    const base = apiBaseUrl(this.settings);
    const { coinIds, startDate, endDate, isStored } = this.args;
    for (const coinId of coinIds) {
      for (const date of eachDay(startDate, endDate)) {
        if (isStored?.(coinId, date)) continue;
        const meta: DayMeta = { coinId, date };
        yield {
          url: `${base}/coins/${encodeURIComponent(coinId)}/history?date=${toDayMonthYear(date)}&localization=false`,
          uniqueKey: `${this.name}:${coinId}:${date}`,
          label: `${coinId} ${date}`,
          group: coinId,
          meta,
        };
      }
    }
  }

  parse(response: SpiderResponse, { stats }: SpiderContext): CoinHistoryItem[] {
    const { coinId, date } = response.request.meta as DayMeta;
    const payload = readApiAnswer(response, coinId);
    // Every real answer names its coin, even on a day without data; anything else is a garbled body.
    if (typeof payload.id !== 'string') {
      throw new RetryRequest('unexpected_payload', 'the body is JSON but not a coin payload');
    }
    const item = coinHistoryItemFromPayload(coinId, date, payload);
    if (!hasMarketData(item)) stats.inc('coingecko/no_market_data_count');
    return [item];
  }
}
