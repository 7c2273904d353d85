/**
 * `coingecko_history`: one `/coins/{id}/history` request per coin per day, each answer one
 * CoinHistoryItem. The port of the original Scrapy spider, minus its crash on days without data.
 */
import { Spider, SpiderContext, SpiderRequest, SpiderResponse } from '../core/spider';
import { coinHistoryItemFromPayload, CoinHistoryItem, hasMarketData } from '../items/coin-history-item';
import { eachDay, toDayMonthYear } from '../util/dates';
import { apiBaseUrl, apiKeyHeaders, planRateLimit, readApiAnswer } from './coingecko-api';
import { RetryRequest } from '../core/errors';

interface DayMeta extends Record<string, unknown> {
  coinId: string;
  date: string;
}

export class CoinGeckoHistorySpider extends Spider<CoinHistoryItem> {
  static readonly spiderName = 'coingecko_history';
  static readonly description = 'USD price, market cap and volume per coin per day, from /coins/{id}/history';

  readonly name = CoinGeckoHistorySpider.spiderName;
  // 400 (bad date), 401 (key or 365-day limit), 404 (unknown coin) carry messages worth reading.
  override readonly handleHttpStatusList = [400, 401, 403, 404];

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

  override rateLimitPreset(): number {
    return planRateLimit(this.settings);
  }

  override requestHeaders(): Record<string, string> {
    return {
      accept: 'application/json',
      'user-agent': this.settings.USER_AGENT,
      ...apiKeyHeaders(this.settings),
    };
  }
}
