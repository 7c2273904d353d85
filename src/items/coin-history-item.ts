/**
 * One coin on one day, at CoinGecko's 00:00 UTC snapshot. Field names are the stored names (files,
 * feed, database columns), as in the original project.
 */
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
