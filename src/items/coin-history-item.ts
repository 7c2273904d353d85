/**
 * One coin on one day, at CoinGecko's 00:00 UTC snapshot. Field names are the stored names (files,
 * feed, database columns), as in the original project.
 */
import { defineItemType } from '../core/item';
import { addDays, isIsoDay } from '../util/dates';

export interface CoinHistoryItem {
  coin_id: string;
  /** ISO day, `YYYY-MM-DD`. */
  date: string;
  /** USD price; null on a day without market data. */
  usd_price: number | null;
  usd_market_cap: number | null;
  usd_total_volume: number | null;
  /** The API's answer, as received. */
  full_response: Record<string, unknown>;
}

/**
 * Builds the item from a `/coins/{id}/history` payload. A payload without `market_data` (a day before
 * the coin traded, or a gap) is a normal item with null values.
 */
export function coinHistoryItemFromPayload(
  coinId: string,
  date: string,
  payload: Record<string, unknown>,
): CoinHistoryItem {
  const marketData = asRecord(payload.market_data);
  return {
    coin_id: coinId,
    date,
    usd_price: usdValue(marketData?.current_price),
    usd_market_cap: usdValue(marketData?.market_cap),
    usd_total_volume: usdValue(marketData?.total_volume),
    full_response: payload,
  };
}

/** One [unix ms, value] point of a `market_chart/range` series. */
export type RangePoint = [number, number | null];

/** What the range spider keeps of a day as its `full_response`: the day's points, marked by source. */
export interface RangeDayResponse extends Record<string, unknown> {
  source: 'market_chart/range';
  coin_id: string;
  date: string;
  price: RangePoint | null;
  market_cap: RangePoint | null;
  total_volume: RangePoint | null;
}

/** Builds the item of one day from its `/coins/{id}/market_chart/range` points (null: no point that day). */
export function coinHistoryItemFromRangePoints(
  coinId: string,
  date: string,
  points: Pick<RangeDayResponse, 'price' | 'market_cap' | 'total_volume'>,
): CoinHistoryItem {
  const full_response: RangeDayResponse = { source: 'market_chart/range', coin_id: coinId, date, ...points };
  return {
    coin_id: coinId,
    date,
    usd_price: points.price?.[1] ?? null,
    usd_market_cap: points.market_cap?.[1] ?? null,
    usd_total_volume: points.total_volume?.[1] ?? null,
    full_response,
  };
}

/** The item again from a stored `full_response` (a day file, a row), whichever endpoint it came from. */
export function coinHistoryItemFromStored(
  coinId: string,
  date: string,
  fullResponse: Record<string, unknown>,
): CoinHistoryItem {
  if (fullResponse.source === 'market_chart/range') {
    const { price, market_cap, total_volume } = fullResponse as RangeDayResponse;
    return coinHistoryItemFromRangePoints(coinId, date, {
      price: rangePoint(price),
      market_cap: rangePoint(market_cap),
      total_volume: rangePoint(total_volume),
    });
  }
  return coinHistoryItemFromPayload(coinId, date, fullResponse);
}

function rangePoint(value: unknown): RangePoint | null {
  return Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'number' &&
    (value[1] === null || Number.isFinite(value[1]))
    ? (value as RangePoint)
    : null;
}

/** Whether the payload had market data at all. */
export function hasMarketData(item: CoinHistoryItem): boolean {
  return asRecord(item.full_response.market_data) !== undefined;
}

function usdValue(currencyMap: unknown): number | null {
  const usd = asRecord(currencyMap)?.usd;
  return typeof usd === 'number' && Number.isFinite(usd) ? usd : null;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The item type: one item per coin and day (the key), checked values, and a stored day without data
 * that is final only once it is older than yesterday: CoinGecko publishes a day at 00:35 UTC the
 * next day, so a newer day's data may still come.
 */
export const CoinHistory = defineItemType<CoinHistoryItem>({
  name: 'coin_history',
  key: (item) => coinDayKey(item.coin_id ?? '', item.date ?? ''),
  validate: findProblem,
  isFinal: (stored, now) =>
    stored.usd_price !== null || (stored.date ?? '') < addDays(now.toISOString().slice(0, 10), -1),
  fields: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
});

/** The key of a coin's day: what `dedupe` and the stores' "already stored?" go by. */
export function coinDayKey(coinId: string, date: string): string {
  return `${coinId}/${date}`;
}

/** What is wrong with an item, or undefined when nothing is. */
export function findProblem(item: CoinHistoryItem): string | undefined {
  if (typeof item.coin_id !== 'string' || item.coin_id === '') return 'no coin id';
  if (typeof item.date !== 'string' || !isIsoDay(item.date))
    return `date ${JSON.stringify(item.date)} is not YYYY-MM-DD`;
  for (const field of ['usd_price', 'usd_market_cap', 'usd_total_volume'] as const) {
    const value = item[field];
    if (value !== null && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      return `${field} is ${JSON.stringify(value)}, not a number >= 0 or null`;
    }
  }
  if (typeof item.full_response !== 'object' || item.full_response === null) return 'no full response';
  return undefined;
}
