// Why: a generated coin with data for every day from 2000-01-01 to `today` lets tests and benchmarks crawl
// long, gap-free ranges whose expected values are computable without any file.
import { daysFromCivil, parseIsoDate } from './dates';
import type { PriceRow } from './csv-data';

export const MOCKCOIN_ID = 'mockcoin';
export const MOCKCOIN_FIRST_DAY = daysFromCivil(2000, 1, 1);

/** The mockcoin row for a day number (any day; the server decides which days exist). */
export function mockcoinRowForDay(day: number): PriceRow {
  const i = day - MOCKCOIN_FIRST_DAY;
  const price = 100 + 40 * Math.sin(i / 17) + i / 100;
  const supply = 10_000_000 + 1_000 * i;
  return {
    price,
    marketCap: price * supply,
    volume: price * (400_000 + 150_000 * Math.cos(i / 5)),
  };
}

/** The mockcoin row for an ISO date `yyyy-mm-dd` (what tests use to compute expected values). */
export function mockcoinRow(isoDate: string): PriceRow {
  const day = parseIsoDate(isoDate);
  if (day === null) throw new Error(`not an ISO date: ${isoDate}`);
  return mockcoinRowForDay(day);
}
