// Why: /coins/markets is how a spider discovers which coins exist, ranked by market cap and paged up to 250
// at a time. Its entries are one fixed snapshot (2024-12-20 00:00 UTC, the last day of the CSV exports, whatever
// the server's today), built from the same daily rows as /history once, so a page costs a slice and a join.
import { getCoins, type Coin } from './coins';
import type { PriceRow } from './csv-data';
import { daysFromCivil, isoFromDays } from './dates';
import { generatedIndex, generatedMaxSupply } from './generated-coins';
import { jsonReply, type Reply } from './responses';

/** The day the markets snapshot shows: every coin has a row that day and the day before. */
export const MARKETS_DATE = '2024-12-20';
const MARKETS_DAY = daysFromCivil(2024, 12, 20);
export const MARKETS_MAX_PER_PAGE = 250;
export const MARKETS_DEFAULT_PER_PAGE = 100;

export const MARKETS_ORDERS = [
  'market_cap_desc',
  'market_cap_asc',
  'volume_desc',
  'volume_asc',
  'id_asc',
  'id_desc',
] as const;
export type MarketsOrder = (typeof MARKETS_ORDERS)[number];

/** One entry, keys in the order of the real answer (/work/shared/coingecko/coins_markets_example.json). */
export interface MarketEntry {
  id: string;
  symbol: string;
  name: string;
  image: string;
  current_price: number | null;
  market_cap: number | null;
  market_cap_rank: number | null;
  fully_diluted_valuation: number | null;
  total_volume: number | null;
  high_24h: number | null;
  low_24h: number | null;
  price_change_24h: number | null;
  price_change_percentage_24h: number | null;
  market_cap_change_24h: number | null;
  market_cap_change_percentage_24h: number | null;
  circulating_supply: number | null;
  total_supply: number | null;
  max_supply: number | null;
  ath: number | null;
  ath_change_percentage: number | null;
  ath_date: string | null;
  atl: number | null;
  atl_change_percentage: number | null;
  atl_date: string | null;
  roi: { times: number; currency: string; percentage: number } | null;
  last_updated: string;
}

/** What the daily rows do not tell: supplies and the price an ROI is counted from. */
interface SupplyFacts {
  maxSupply: number | null;
  /** Default: the circulating supply; null: unknown. */
  totalSupply?: number | null;
  /** ICO (or first) price in USD: the coin gets an `roi` object. */
  roiPrice?: number;
}

const NAMED_FACTS: Readonly<Record<string, SupplyFacts>> = {
  bitcoin: { maxSupply: 21_000_000 },
  ethereum: { maxSupply: null, roiPrice: 0.311 },
  cardano: { maxSupply: 45_000_000_000, totalSupply: 45_000_000_000, roiPrice: 0.0024 },
  mockcoin: { maxSupply: null },
};

function supplyFacts(coin: Coin): SupplyFacts {
  const named = NAMED_FACTS[coin.id];
  if (named) return named;
  const k = generatedIndex(coin.id) ?? 0;
  const first = coin.rowAt(coin.firstDay)?.price ?? undefined;
  return {
    maxSupply: generatedMaxSupply(k),
    // Small coins often miss fields in the real answer: every 25th generated coin has no total supply.
    ...(k % 25 === 0 ? { totalSupply: null } : {}),
    ...(k % 7 === 0 && first ? { roiPrice: first } : {}),
  };
}

const int = (x: number | null): number | null => (x === null ? null : Math.round(x));
/** Rounds to 8 significant digits, as the real answer's derived prices are. */
const sig = (x: number | null): number | null => (x === null ? null : Number(x.toPrecision(8)));
const pct = (x: number | null): number | null => (x === null ? null : Number(x.toFixed(5)));
const isoTime = (day: number): string => `${isoFromDays(day)}T00:00:00.000Z`;

function change(now: number | null, before: number | null): [number | null, number | null] {
  if (now === null || before === null || before === 0) return [null, null];
  return [now - before, (now / before - 1) * 100];
}

/** All-time high and low of the price up to the snapshot day, with their days. */
function extremes(coin: Coin): { ath: number; athDay: number; atl: number; atlDay: number } | null {
  let out: { ath: number; athDay: number; atl: number; atlDay: number } | null = null;
  for (let day = coin.firstDay; day <= MARKETS_DAY; day++) {
    const p = coin.rowAt(day)?.price;
    if (!p) continue;
    if (!out) out = { ath: p, athDay: day, atl: p, atlDay: day };
    if (p > out.ath) [out.ath, out.athDay] = [p, day];
    if (p < out.atl) [out.atl, out.atlDay] = [p, day];
  }
  return out;
}

/** The snapshot entry of one coin at its market-cap rank. */
export function marketEntry(coin: Coin, rank: number): MarketEntry {
  const empty: PriceRow = { price: null, marketCap: null, volume: null };
  const row = coin.rowAt(MARKETS_DAY) ?? empty;
  const prev = coin.rowAt(MARKETS_DAY - 1) ?? empty;
  const price = row.price;
  const facts = supplyFacts(coin);
  const circulating = price && row.marketCap !== null ? row.marketCap / price : null;
  const total = facts.totalSupply === undefined ? circulating : facts.totalSupply;
  const fdvSupply = facts.maxSupply ?? total;
  const [priceChange, pricePct] = change(price, prev.price);
  const [capChange, capPct] = change(row.marketCap, prev.marketCap);
  const both = [price, prev.price].filter((p): p is number => p !== null);
  const ext = extremes(coin);
  const roiTimes = price !== null && facts.roiPrice ? price / facts.roiPrice - 1 : null;
  return {
    id: coin.id,
    symbol: coin.symbol,
    name: coin.name,
    image: coin.image.thumb.replace('/thumb/', '/large/'),
    current_price: price,
    market_cap: int(row.marketCap),
    market_cap_rank: rank,
    fully_diluted_valuation: price !== null && fdvSupply !== null ? int(price * fdvSupply) : null,
    total_volume: int(row.volume),
    high_24h: both.length ? sig(Math.max(...both) * 1.012) : null,
    low_24h: both.length ? sig(Math.min(...both) * 0.988) : null,
    price_change_24h: sig(priceChange),
    price_change_percentage_24h: pct(pricePct),
    market_cap_change_24h: int(capChange),
    market_cap_change_percentage_24h: pct(capPct),
    circulating_supply: int(circulating),
    total_supply: int(total),
    max_supply: facts.maxSupply,
    ath: ext ? ext.ath : null,
    ath_change_percentage: ext && price !== null ? pct((price / ext.ath - 1) * 100) : null,
    ath_date: ext ? isoTime(ext.athDay) : null,
    atl: ext ? ext.atl : null,
    atl_change_percentage: ext && price !== null ? pct((price / ext.atl - 1) * 100) : null,
    atl_date: ext ? isoTime(ext.atlDay) : null,
    roi: roiTimes === null ? null : { times: roiTimes, currency: 'usd', percentage: roiTimes * 100 },
    last_updated: isoTime(MARKETS_DAY),
  };
}

/** One entry as served: its JSON text plus what the orders sort by. */
interface Served {
  id: string;
  volume: number;
  json: string;
}

let byRank: Served[] | undefined;
const byOrder = new Map<MarketsOrder, Served[]>();

/** Every coin in rank order (built on first use, then shared). */
function snapshot(): Served[] {
  byRank ??= [...getCoins().values()].map((coin, i) => {
    const entry = marketEntry(coin, i + 1);
    return { id: coin.id, volume: entry.total_volume ?? -1, json: JSON.stringify(entry) };
  });
  return byRank;
}

function ordered(order: MarketsOrder): Served[] {
  let list = byOrder.get(order);
  if (list) return list;
  const all = snapshot();
  const byId = (a: Served, b: Served): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (order === 'market_cap_desc') list = all;
  else if (order === 'market_cap_asc') list = [...all].reverse();
  else if (order === 'volume_desc') list = [...all].sort((a, b) => b.volume - a.volume);
  else if (order === 'volume_asc') list = [...all].sort((a, b) => a.volume - b.volume);
  else if (order === 'id_asc') list = [...all].sort(byId);
  else list = [...all].sort((a, b) => byId(b, a));
  byOrder.set(order, list);
  return list;
}

/** A positive integer parameter; the default when absent or empty, null when malformed. */
function positiveInt(text: string | null, fallback: number): number | null {
  if (text === null || text === '') return fallback;
  return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : null;
}

const badRequest = (message: string): Reply => jsonReply(400, JSON.stringify({ error: message }), 'error');

/**
 * The /coins/markets answer. Mock rules: only `vs_currency=usd`; `per_page` outside 1..250 or a `page`
 * below 1 is a 400 (the real API's exact answer to those is not documented); `ids` filters (unknown ids are
 * left out); `category`, `sparkline`, `price_change_percentage` and `precision` are ignored.
 */
export function marketsReply(query: URLSearchParams): Reply {
  const vs = query.get('vs_currency');
  if (!vs) return badRequest('Missing parameter vs_currency');
  if (vs !== 'usd') return badRequest('invalid vs_currency');
  const order = (query.get('order') || 'market_cap_desc') as MarketsOrder;
  if (!MARKETS_ORDERS.includes(order)) return badRequest('invalid order');
  const perPage = positiveInt(query.get('per_page'), MARKETS_DEFAULT_PER_PAGE);
  if (perPage === null || perPage > MARKETS_MAX_PER_PAGE) return badRequest('invalid per_page');
  const page = positiveInt(query.get('page'), 1);
  if (page === null) return badRequest('invalid page');
  let list = ordered(order);
  const idsParam = query.get('ids');
  if (idsParam) {
    const ids = new Set(idsParam.split(',').map((s) => s.trim()));
    list = list.filter((e) => ids.has(e.id));
  }
  const start = (page - 1) * perPage;
  const body = `[${list
    .slice(start, start + perPage)
    .map((e) => e.json)
    .join(',')}]`;
  return jsonReply(200, body, 'ok');
}
