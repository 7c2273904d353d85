// Why: a crawler that follows /coins/markets pages needs more coins than one page of 250 holds; this file
// generates them (ids gen-coin-0001 .. gen-coin-0596, ranks 5 .. 600) with deterministic daily series, so
// every listed coin also answers /history and /market_chart/range and tests can compute expected values.
import { daysFromCivil, parseIsoDate } from './dates';
import type { PriceRow } from './csv-data';

/** How many coins are generated (with bitcoin, ethereum, cardano and mockcoin: 600 coins in all). */
export const GENERATED_COUNT = 596;
/** First day with data of every generated coin; data runs to the server's today. */
export const GENERATED_FIRST_DATE = '2020-01-01';
export const GENERATED_FIRST_DAY = daysFromCivil(2020, 1, 1);
/** Market cap of gen-coin-0001 before the daily factors; each next rank has RATIO times the previous one. */
const CAP_1 = 1.2e9;
const RATIO = 0.985;

/** `gen-coin-0001` for k = 1. */
export function generatedId(k: number): string {
  return `gen-coin-${String(k).padStart(4, '0')}`;
}

/** The k (1-based) of a generated id, or null for any other id. */
export function generatedIndex(id: string): number | null {
  const m = /^gen-coin-(\d{4})$/.exec(id);
  const k = m ? Number(m[1]) : 0;
  return k >= 1 && k <= GENERATED_COUNT ? k : null;
}

/** Base market cap of coin k; strictly decreasing in k. */
const BASE_CAP = Array.from({ length: GENERATED_COUNT + 1 }, (_, k) => CAP_1 * RATIO ** (k - 1));

/** Coin k's price level on its first day: spread over 0.001 .. 1000 USD by a golden-ratio sequence. */
const BASE_PRICE = Array.from(
  { length: GENERATED_COUNT + 1 },
  (_, k) => 10 ** (-3 + 6 * ((k * 0.6180339887498949) % 1)),
);

/**
 * The row of generated coin k on a day number (any day; the registry decides which days exist).
 * Every coin shares the market factor and wobbles by at most 0.4% on its own, while neighbouring ranks are
 * 1.5% apart: so the market caps keep their rank order on every day.
 */
export function generatedRowForDay(k: number, day: number): PriceRow {
  const i = day - GENERATED_FIRST_DAY;
  const market = 1 + 0.3 * Math.sin(i / 45) + i / 3650;
  const marketCap = BASE_CAP[k] * market * (1 + 0.004 * Math.sin(i / 7 + k));
  const supply = (BASE_CAP[k] / BASE_PRICE[k]) * (1 + i / 5000);
  return {
    price: marketCap / supply,
    marketCap,
    volume: marketCap * (0.03 + 0.02 * Math.cos(i / 5 + k)),
  };
}

/** The maximum supply of coin k: every third coin has one (twice its first-day supply), the others none. */
export function generatedMaxSupply(k: number): number | null {
  return k % 3 === 0 ? Math.round((2 * BASE_CAP[k]) / BASE_PRICE[k]) : null;
}

/** The row of a generated coin (`gen-coin-0042`) on an ISO date `yyyy-mm-dd` (for tests' expected values). */
export function generatedCoinRow(id: string, isoDate: string): PriceRow {
  const k = generatedIndex(id);
  const day = parseIsoDate(isoDate);
  if (k === null) throw new Error(`not a generated coin: ${id}`);
  if (day === null) throw new Error(`not an ISO date: ${isoDate}`);
  return generatedRowForDay(k, day);
}
