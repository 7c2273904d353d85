/**
 * The rows the charts are drawn from, read from the two price tables: used by `crawl.ts plot` and
 * by the status page's charts. Every value is a query parameter.
 */
import type { DataSource } from 'typeorm';
import type { DayPrice, MonthRange } from './price-charts';

export interface PriceQuery {
  coinIds: readonly string[];
  /** Only the last this many priced days of each coin (of the range, when there is one). */
  lastDays?: number;
  /** First day, inclusive. */
  startDate?: string;
  /** Last day, inclusive. */
  endDate?: string;
}

/** The priced days of each coin, by coin then day. */
export async function storedPrices(
  dataSource: DataSource,
  { coinIds, lastDays, startDate, endDate }: PriceQuery,
): Promise<DayPrice[]> {
  return dataSource.query(
    `SELECT coin_id, date, usd_price FROM (
       SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price,
              row_number() OVER (PARTITION BY coin_id ORDER BY date DESC) AS age
       FROM coingecko_scraped_data
       WHERE coin_id = ANY(string_to_array($1, ',')) AND usd_price IS NOT NULL
         AND ($3::date IS NULL OR date >= $3::date) AND ($4::date IS NULL OR date <= $4::date)
     ) recent
     WHERE $2::int IS NULL OR age <= $2::int
     ORDER BY coin_id, date`,
    [coinIds.join(','), lastDays ?? null, startDate ?? null, endDate ?? null],
  );
}

/** Each month's lowest and highest daily price, of the months the range touches. */
export async function monthlyRanges(
  dataSource: DataSource,
  { coinIds, startDate, endDate }: Omit<PriceQuery, 'lastDays'>,
): Promise<MonthRange[]> {
  return dataSource.query(
    `SELECT coin_id, to_char(make_date(year, month, 1), 'YYYY-MM') AS month, usd_price_min, usd_price_max
     FROM coingecko_processed_data
     WHERE coin_id = ANY(string_to_array($1, ',')) AND usd_price_min IS NOT NULL
       AND ($2::date IS NULL OR make_date(year, month, 1) >= date_trunc('month', $2::date))
       AND ($3::date IS NULL OR make_date(year, month, 1) <= $3::date)
     ORDER BY coin_id, year, month`,
    [coinIds.join(','), startDate ?? null, endDate ?? null],
  );
}
