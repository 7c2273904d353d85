/**
 * What the daily table holds per coin, for the status page's overview: its first and last stored
 * day, how many days are stored, and which days of the last 30 and 365 are missing (as ranges).
 * The windows end yesterday (UTC): today's day is the daily run's business, shown apart.
 */
import type { DataSource } from 'typeorm';
import { addDays, eachDay } from '../util/dates';

/** A run of consecutive days, both ends included. */
export interface DayRange {
  first: string;
  last: string;
  days: number;
}

export interface WindowGaps {
  /** The window's first and last day. */
  first: string;
  last: string;
  missing: number;
  ranges: DayRange[];
}

export interface CoinCoverage {
  coin_id: string;
  first_day: string | null;
  last_day: string | null;
  days_stored: number;
  /** Stored days without market data (a null price). */
  days_without_price: number;
  last_30: WindowGaps;
  last_365: WindowGaps;
}

/**
 * Every coin with stored days, and the `alwaysShown` ones (the daily coins) even with none, sorted
 * by id. `today` is the UTC day the windows are counted back from.
 */
export async function coinCoverage(
  dataSource: DataSource,
  alwaysShown: readonly string[],
  today: string,
): Promise<CoinCoverage[]> {
  const yesterday = addDays(today, -1);
  const since = addDays(yesterday, -364);
  const rows: {
    coin_id: string;
    first_day: string | null;
    last_day: string | null;
    days_stored: number;
    days_without_price: number;
    recent: string[] | null;
  }[] = await dataSource.query(
    `WITH coins AS (
       SELECT DISTINCT coin_id FROM coingecko_scraped_data
       UNION SELECT unnest(string_to_array($1::text, ','))
     )
     SELECT coins.coin_id,
            to_char(min(day.date), 'YYYY-MM-DD') AS first_day,
            to_char(max(day.date), 'YYYY-MM-DD') AS last_day,
            count(day.date)::int AS days_stored,
            count(day.date) FILTER (WHERE day.usd_price IS NULL)::int AS days_without_price,
            array_agg(to_char(day.date, 'YYYY-MM-DD') ORDER BY day.date)
              FILTER (WHERE day.date BETWEEN $2::date AND $3::date) AS recent
       FROM coins LEFT JOIN coingecko_scraped_data day ON day.coin_id = coins.coin_id
      GROUP BY coins.coin_id
      ORDER BY coins.coin_id`,
    [alwaysShown.join(','), since, yesterday],
  );
  return rows.map(({ recent, ...row }) => {
    const stored = new Set(recent ?? []);
    return {
      ...row,
      last_30: windowGaps(stored, addDays(yesterday, -29), yesterday),
      last_365: windowGaps(stored, since, yesterday),
    };
  });
}

/** The days of first..last not in `stored`, as runs of consecutive days. */
export function windowGaps(stored: ReadonlySet<string>, first: string, last: string): WindowGaps {
  const ranges: DayRange[] = [];
  for (const day of eachDay(first, last)) {
    if (stored.has(day)) continue;
    const open = ranges[ranges.length - 1];
    if (open && addDays(open.last, 1) === day) {
      open.last = day;
      open.days += 1;
    } else {
      ranges.push({ first: day, last: day, days: 1 });
    }
  }
  return { first, last, missing: ranges.reduce((sum, range) => sum + range.days, 0), ranges };
}
