// Why: builds the JSON bodies of /history and /market_chart/range from a day's USD row, shaped like the real
// 2021 bitcoin capture; the currency conversions are precomputed from that capture once, so a request costs
// one object and one JSON.stringify.
import { getCoins, type Coin } from './coins';
import type { PriceRow } from './csv-data';
import { MS_PER_DAY } from './dates';
import { readFixtureJson } from './fixtures';

type MapName = 'current_price' | 'market_cap' | 'total_volume';
const MAP_NAMES: readonly MapName[] = ['current_price', 'market_cap', 'total_volume'];

/** How one currency key is derived from the USD value. */
interface Conversion {
  key: string;
  /** Template value / template usd value: used for fiat and for cryptos without a cross rate. */
  ratio: number;
  /** Converted through the bitcoin or ethereum USD price of the same day when known (value / price * mult). */
  cross?: 'btc' | 'eth';
  mult: number;
}

const CROSS: Readonly<Record<string, { cross: 'btc' | 'eth'; mult: number }>> = {
  btc: { cross: 'btc', mult: 1 },
  bits: { cross: 'btc', mult: 1e6 },
  sats: { cross: 'btc', mult: 1e8 },
  eth: { cross: 'eth', mult: 1 },
};

function conversions(map: Record<string, number>): Conversion[] {
  const usd = map.usd;
  return Object.keys(map).map((key) => ({ key, ratio: map[key] / usd, ...(CROSS[key] ?? { mult: 1 }) }));
}

const template = readFixtureJson<{ market_data: Record<MapName, Record<string, number>> }>(
  'history_bitcoin_01-04-2021_localization_false.DERIVED.json',
);
const CONVERSIONS: Readonly<Record<MapName, Conversion[]>> = {
  current_price: conversions(template.market_data.current_price),
  market_cap: conversions(template.market_data.market_cap),
  total_volume: conversions(template.market_data.total_volume),
};

/** USD prices of bitcoin and ethereum on a day (for btc/eth/bits/sats keys), null when unknown or zero. */
interface CrossPrices {
  btc: number | null;
  eth: number | null;
}

function crossPrices(day: number): CrossPrices {
  const coins = getCoins();
  const btc = coins.get('bitcoin')?.rowAt(day)?.price;
  const eth = coins.get('ethereum')?.rowAt(day)?.price;
  return { btc: btc ? btc : null, eth: eth ? eth : null };
}

function convert(c: Conversion, usd: number | null, cross: CrossPrices): number | null {
  if (usd === null) return null;
  if (c.key === 'usd') return usd;
  const price = c.cross ? cross[c.cross] : null;
  const v = price ? (usd / price) * c.mult : usd * c.ratio;
  return Number.isFinite(v) ? v : null;
}

function currencyMap(
  list: Conversion[],
  usd: number | null,
  cross: CrossPrices,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const c of list) out[c.key] = convert(c, usd, cross);
  return out;
}

/** The /coins/{id}/history body; `row` undefined => the "no data that day" shape (no market_data). */
export function historyBody(
  coin: Coin,
  day: number,
  row: PriceRow | undefined,
  localization: boolean,
): string {
  const body: Record<string, unknown> = { id: coin.id, symbol: coin.symbol, name: coin.name };
  if (localization) body.localization = coin.localization;
  body.image = coin.image;
  if (row) {
    const cross = crossPrices(day);
    body.market_data = {
      current_price: currencyMap(CONVERSIONS.current_price, row.price, cross),
      market_cap: currencyMap(CONVERSIONS.market_cap, row.marketCap, cross),
      total_volume: currencyMap(CONVERSIONS.total_volume, row.volume, cross),
    };
    body.community_data = coin.extras.community_data;
    body.developer_data = coin.extras.developer_data;
    body.public_interest_stats = coin.extras.public_interest_stats;
  }
  return JSON.stringify(body);
}

/** The currency keys a vs_currency may take (those of the template's maps). */
export function isKnownCurrency(vs: string): boolean {
  return CONVERSIONS.current_price.some((c) => c.key === vs);
}

/**
 * The /market_chart/range body: one point per day with data in [fromDay, toDay], at 00:00 UTC.
 * Simplification: CoinGecko serves hourly points for ranges of 90 days or less; the mock always serves
 * the daily 00:00 UTC snapshots. A null CSV value leaves that day out of that one array, as the real API does.
 */
export function marketChartBody(coin: Coin, fromDay: number, toDay: number, vsCurrency: string): string {
  const pick = (name: MapName): Conversion => CONVERSIONS[name].find((c) => c.key === vsCurrency)!;
  const conv = MAP_NAMES.map(pick);
  const arrays: [number, number][][] = [[], [], []];
  for (let day = Math.max(fromDay, coin.firstDay); day <= toDay; day++) {
    const row = coin.rowAt(day);
    if (!row) continue;
    const cross = vsCurrency === 'usd' ? { btc: null, eth: null } : crossPrices(day);
    const values = [row.price, row.marketCap, row.volume];
    for (let i = 0; i < 3; i++) {
      const v = convert(conv[i], values[i], cross);
      if (v !== null) arrays[i].push([day * MS_PER_DAY, v]);
    }
  }
  return JSON.stringify({ prices: arrays[0], market_caps: arrays[1], total_volumes: arrays[2] });
}
