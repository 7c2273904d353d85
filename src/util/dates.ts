/**
 * Calendar days in UTC, as ISO `YYYY-MM-DD` strings (CoinGecko's daily snapshot is at 00:00 UTC).
 */
import { DateTime } from 'luxon';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD` (2021-02-30 is not). Cheap: it runs for every item. */
export function isIsoDay(text: string): boolean {
  if (!ISO_DAY.test(text)) return false;
  const [year, month, day] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function todayUtc(): string {
  return DateTime.utc().toISODate() as string;
}

const DAY_MS = 86_400_000;

/**
 * Every day from `start` to `end`, both included. Plain Date arithmetic (a UTC day is always 86,400 s
 * to JavaScript): it runs once per start request, and luxon took about 80 µs a day.
 */
export function* eachDay(start: string, end: string): Generator<string> {
  const last = Date.parse(`${end}T00:00:00Z`);
  for (let day = Date.parse(`${start}T00:00:00Z`); day <= last; day += DAY_MS)
    yield new Date(day).toISOString().slice(0, 10);
}

/** Number of days from `start` to `end`, both included. */
export function dayCount(start: string, end: string): number {
  const days = DateTime.fromISO(end, { zone: 'utc' }).diff(
    DateTime.fromISO(start, { zone: 'utc' }),
    'days',
  ).days;
  return Math.round(days) + 1;
}

/** `2021-04-01` -> `01-04-2021`, the form CoinGecko's /history takes. */
export function toDayMonthYear(isoDay: string): string {
  const [year, month, day] = isoDay.split('-');
  return `${day}-${month}-${year}`;
}

/** The ISO day `days` days after `isoDay` (before, when negative). */
export function addDays(isoDay: string, days: number): string {
  return DateTime.fromISO(isoDay, { zone: 'utc' }).plus({ days }).toISODate() as string;
}

/** The UTC day of an instant. */
export function utcDayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** start..end cut at month ends: 2024-01-15..2024-03-10 -> Jan 15-31, Feb 1-29, Mar 1-10. */
export function monthChunks(start: string, end: string): [first: string, last: string][] {
  const chunks: [string, string][] = [];
  let first = DateTime.fromISO(start, { zone: 'utc' });
  const last = DateTime.fromISO(end, { zone: 'utc' });
  while (first <= last) {
    const monthEnd = first.endOf('month').startOf('day');
    const chunkEnd = monthEnd < last ? monthEnd : last;
    chunks.push([first.toISODate() as string, chunkEnd.toISODate() as string]);
    first = chunkEnd.plus({ days: 1 });
  }
  return chunks;
}
