/**
 * Day arithmetic for spiders that ask for a range of days per request: which days are missing, as
 * runs of consecutive days, cut into chunks one request can carry, and widened to the span the API
 * needs. Days are ISO `YYYY-MM-DD` strings in UTC, as everywhere else in the crawler.
 */
import { eachDay } from '../util/dates';

export const MS_PER_DAY = 86_400_000;

/** Consecutive days, first and last included. */
export type DayRange = readonly [first: string, last: string];

/** Days since 1970-01-01: plain numbers make spans and chunk bounds simple additions. */
export function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY;
}

export function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The days of start..end that `isStored` doesn't have, as runs of consecutive days. `isStored` is
 * asked once per day, in order: the CLI counts its "yes" answers as skipped days.
 */
export function missingRuns(start: string, end: string, isStored?: (day: string) => boolean): DayRange[] {
  const runs: [string, string][] = [];
  let open: [string, string] | undefined;
  for (const day of eachDay(start, end)) {
    if (isStored?.(day)) open = undefined;
    else if (open) open[1] = day;
    else runs.push((open = [day, day]));
  }
  return runs;
}

/** A run cut into chunks of at most `maxDays` days, from its first day on (the last one may be short). */
export function chunkRun([first, last]: DayRange, maxDays: number): DayRange[] {
  const chunks: DayRange[] = [];
  const end = dayNumber(last);
  for (let start = dayNumber(first); start <= end; start += maxDays) {
    chunks.push([isoDay(start), isoDay(Math.min(start + maxDays - 1, end))]);
  }
  return chunks;
}

export interface WidenLimits {
  /** Today (UTC): the range never reaches past it. */
  today: string;
  /** The oldest day the API serves on this plan, if it has such a limit: the range starts no earlier. */
  oldest?: string;
}

/**
 * The range to ask for so that its last day is at least `minSpanDays` after its first: widened
 * backwards (older days are settled; the extra days are ignored anyway), but not past `oldest`,
 * since on free plans one day too old fails the whole request; what can't go back goes forward,
 * never past today. The chunk's own days always stay inside. A chunk that already starts before
 * `oldest` will be refused whatever the span, so it isn't held back.
 */
export function widenRange([first, last]: DayRange, minSpanDays: number, limits: WidenLimits): DayRange {
  const { oldest } = limits;
  const floor = oldest !== undefined && first >= oldest ? dayNumber(oldest) : -Infinity;
  const from = Math.min(dayNumber(first), Math.max(dayNumber(last) - minSpanDays, floor));
  const to = Math.max(dayNumber(last), Math.min(from + minSpanDays, dayNumber(limits.today)));
  return [isoDay(from), isoDay(to)];
}
