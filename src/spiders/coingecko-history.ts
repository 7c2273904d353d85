/**
 * `coingecko_history`: one `/coins/{id}/history` request per coin per day, each answer one
 * CoinHistoryItem. The port of the original Scrapy spider, minus its crash on days without data.
 * Days already stored are not asked for (unless `--force`).
 */
import { contract } from '../contracts/contract';
import { RetryRequest } from '../core/errors';
import { Request } from '../core/request';
import type { Response } from '../core/response';
import type { SpiderContext, StoredItems } from '../core/spider';
import {
  CoinHistory,
  coinDayKey,
  coinHistoryItemFromPayload,
  CoinHistoryItem,
  hasMarketData,
} from '../items/coin-history-item';
import { eachDay, toDayMonthYear } from '../util/dates';
import { checkCoinRange, COIN_ARGUMENT, COIN_FILE_SETTINGS, RANGE_ARGUMENTS } from './coin-arguments';
import { apiBaseUrl, readApiAnswer } from './coingecko-api';
import { CoinGeckoSpider } from './coingecko-spider';

export interface DayMeta {
  coinId: string;
  date: string;
}

export class CoinGeckoHistorySpider extends CoinGeckoSpider {
  static readonly spiderName = 'coingecko_history';
  static readonly description = 'USD price, market cap and volume per coin per day, from /coins/{id}/history';
  static readonly spiderArguments = [COIN_ARGUMENT, ...RANGE_ARGUMENTS];
  static readonly checkArguments = checkCoinRange;
  static readonly customSettings = COIN_FILE_SETTINGS;
  static readonly itemTypes = [CoinHistory];

  async *startRequests(): AsyncGenerator<Request<DayMeta>> {
    const { coinId: coinIds, startDate, endDate } = this.args;
    for (const coinId of coinIds) {
      yield* await historyRequests(apiBaseUrl(this.settings), this.stored, coinId, [startDate, endDate]);
    }
  }

  @contract({
    answer: 'test/fixtures/coingecko/history_bitcoin_01-04-2021.json',
    url: 'https://api.coingecko.com/api/v3/coins/bitcoin/history?date=01-04-2021&localization=false',
    meta: { coinId: 'bitcoin', date: '2021-04-01' },
    args: { 'coin-id': 'bitcoin', 'start-date': '2021-04-01' },
    items: 1,
    requests: 0,
    scrapes: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
  })
  @contract({
    answer: 'test/fixtures/coingecko/history_ethereum_01-01-2018.json',
    url: 'https://api.coingecko.com/api/v3/coins/ethereum/history?date=01-01-2018&localization=false',
    meta: { coinId: 'ethereum', date: '2018-01-01' },
    args: { 'coin-id': 'bitcoin', 'start-date': '2021-04-01' },
    items: 1,
    requests: 0,
    scrapes: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
  })
  parse(response: Response<DayMeta>, { stats }: SpiderContext): CoinHistoryItem[] {
    return [historyItem(response, stats)];
  }
}

/**
 * The `/history` requests of a coin's days that are not stored yet, read by `callback`. Shared with
 * `coingecko_top`; the unique key is the same whichever spider asks, so a resumed queue knows it.
 */
export async function historyRequests(
  base: string,
  stored: StoredItems,
  coinId: string,
  [startDate, endDate]: readonly [string, string],
  callback?: string,
): Promise<Request<DayMeta>[]> {
  const days = [...eachDay(startDate, endDate)];
  const done = await stored.keys(
    CoinHistory,
    days.map((date) => ({ coin_id: coinId, date })),
  );
  return days
    .filter((date) => !done.has(coinDayKey(coinId, date)))
    .map(
      (date) =>
        new Request<DayMeta>({
          url: `${base}/coins/${encodeURIComponent(coinId)}/history?date=${toDayMonthYear(date)}&localization=false`,
          uniqueKey: `coingecko_history:${coinId}:${date}`,
          label: `${coinId} ${date}`,
          group: coinId,
          callback,
          meta: { coinId, date },
        }),
    );
}

/** The item of one `/history` answer. */
export function historyItem(response: Response<DayMeta>, stats: SpiderContext['stats']): CoinHistoryItem {
  const { coinId, date } = response.meta;
  const payload = readApiAnswer(response, coinId);
  // Every real answer names its coin, even on a day without data; anything else is a garbled body.
  if (typeof payload.id !== 'string') {
    throw new RetryRequest('unexpected_payload', 'the body is JSON but not a coin payload');
  }
  const item = coinHistoryItemFromPayload(coinId, date, payload);
  if (!hasMarketData(item)) stats.inc('coingecko/no_market_data_count');
  return item;
}
