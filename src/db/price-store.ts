/**
 * Writes days to the daily table and keeps the monthly table equal to min/max over it.
 *
 * One call, one transaction, three statements whatever the batch's size: lock the batch's months;
 * move its rows, read from the statement's parameters (day-rows.ts: arrays, the payloads in binary),
 * into the daily table (`INSERT ... SELECT ... ON CONFLICT (coin_id, date) DO UPDATE`, only where
 * something changed); then, if anything did, set its months to min/max over their days (`INSERT ...
 * ON CONFLICT DO UPDATE`). A lost connection (a restarted server) is retried with exponential
 * backoff; the transaction either committed or didn't, so a retry never doubles a row. Every value
 * goes in as data: a hostile coin id is never SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { errorSummary } from './describe';
import { dayRows, DayRows, DayToStore, RowsEncoding, rowsEncodingFor } from './day-rows';

export interface StoreRetry {
  /** Retries of a transaction that lost its connection. */
  times: number;
  /** Longest wait between retries, in ms (doubling from 250 ms). */
  maxBackoffMs: number;
  /** Told about each retry (for the log). */
  onRetry?: (attempt: number, waitMs: number, error: unknown) => void;
}

export interface PriceStoreOptions {
  /**
   * Store each day's `full_response` (DB_FULL_RESPONSE). false: new rows get null there, and a row
   * that has one keeps it. Default true.
   */
  fullResponse?: boolean;
}

/** Postgres error classes and socket errors that mean "the connection went away", not "bad data". */
const CONNECTION_LOST = /^(08|57P)|^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/;

export function isConnectionLost(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code && CONNECTION_LOST.test(code)) return true;
  return /Connection terminated|connection (is )?(closed|lost)|not queryable|terminating connection/i.test(
    String(message ?? ''),
  );
}

/** A stored day, as the "stored?" check reads it. */
export interface StoredDay {
  coin_id: string;
  date: string;
  usd_price: number | null;
}

export class PriceStore {
  private readonly encoding: RowsEncoding;
  private readonly fullResponse: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly retry: StoreRetry,
    { fullResponse = true }: PriceStoreOptions = {},
  ) {
    this.encoding = rowsEncodingFor(dataSource);
    this.fullResponse = fullResponse;
  }

  /** Upserts the days and their months in one transaction; returns how many rows changed. */
  async saveDays(items: readonly DayToStore[]): Promise<number> {
    const unique = [...new Map(items.map((item) => [`${item.coin_id}\u0000${item.date}`, item])).values()];
    if (unique.length === 0) return 0;
    const rows = dayRows(this.encoding, unique, this.fullResponse);
    const months = monthsOf(unique);
    return this.withRetries(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        await runner.startTransaction();
        try {
          await lockMonths(runner, months);
          const changed = await upsertDays(runner, rows);
          if (changed > 0) await recomputeMonths(runner, months);
          await runner.commitTransaction();
          return changed;
        } catch (error) {
          await runner.rollbackTransaction().catch(() => undefined);
          throw error;
        }
      } finally {
        await runner.release();
      }
    });
  }

  /**
   * Which of these (coin, day) pairs have a row, with its price. One query whose size is the number
   * of pairs asked about (an index probe each), however long the range between them.
   */
  async storedDays(keys: readonly { coin_id: string; date: string }[]): Promise<Map<string, StoredDay>> {
    if (keys.length === 0) return new Map();
    const rows: StoredDay[] = await this.withRetries(() =>
      this.dataSource.query(
        `SELECT day.coin_id, to_char(day.date, 'YYYY-MM-DD') AS date, day.usd_price
           FROM json_to_recordset($1::json) AS probe (coin_id text, date date)
           JOIN coingecko_scraped_data day ON day.coin_id = probe.coin_id AND day.date = probe.date`,
        [JSON.stringify(keys.map(({ coin_id, date }) => ({ coin_id, date })))],
      ),
    );
    return new Map(rows.map((row) => [`${row.coin_id}\u0000${row.date}`, row]));
  }

  private async withRetries<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isConnectionLost(error) || attempt > this.retry.times)
          throw new Error(`database: ${errorSummary(error)}`, { cause: error });
        const waitMs = Math.min(this.retry.maxBackoffMs, 250 * 2 ** (attempt - 1));
        this.retry.onRetry?.(attempt, waitMs, error);
        await sleep(waitMs);
      }
    }
  }
}

/**
 * Locks each (coin, month) of the days until the transaction ends, in one fixed order (so two
 * writers never deadlock). Without it, two writers of days of one month (a daily job beside a
 * backfill, or two backfill chunks that share a month) would each recompute the month from what it
 * sees, and the later one, blind to the other's uncommitted days, would leave the month wrong. The
 * upsert is a statement of its own, after the lock: it sees what the writer before it committed.
 * The lock's key and order are those of the store before it (a `DO` loop over a staging table), so
 * old and new writers exclude each other too.
 */
async function lockMonths(runner: QueryRunner, months: readonly Month[]): Promise<void> {
  // The subquery's order is the order the outer query calls the lock function in.
  await runner.query(
    `SELECT count(pg_advisory_xact_lock(hashtext('coingecko_month'), hashtext(m.coin_id || ' ' || m.first_day)))
       FROM (SELECT coin_id, first_day FROM unnest($1::text[], $2::date[]) AS month (coin_id, first_day)
              ORDER BY 1, 2) AS m`,
    monthParams(months),
  );
}

/** A (coin, month) of a batch: the month as its first day, `YYYY-MM-01`. */
interface Month {
  coin_id: string;
  first_day: string;
}

/** The distinct months of `items`. */
function monthsOf(items: readonly CoinHistoryItem[]): Month[] {
  const months = new Map<string, Month>();
  for (const { coin_id, date } of items) {
    const first_day = `${date.slice(0, 7)}-01`;
    months.set(`${coin_id}\u0000${first_day}`, { coin_id, first_day });
  }
  return [...months.values()];
}

/** The months as two array parameters ($1 coin ids, $2 first days). */
function monthParams(months: readonly Month[]): [string[], string[]] {
  return [months.map((month) => month.coin_id), months.map((month) => month.first_day)];
}

/**
 * Moves the batch's days into the daily table; returns how many rows were inserted or changed. A
 * null `full_response` (DB_FULL_RESPONSE=false) keeps the one a row already has.
 */
async function upsertDays(runner: QueryRunner, rows: DayRows): Promise<number> {
  const result: { changed: string }[] = await runner.query(
    `WITH changed AS (
       INSERT INTO coingecko_scraped_data AS day
         (coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response)
       SELECT coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response
         FROM ${rows.source}
       ON CONFLICT (coin_id, date) DO UPDATE SET
         usd_price = EXCLUDED.usd_price,
         usd_market_cap = EXCLUDED.usd_market_cap,
         usd_total_volume = EXCLUDED.usd_total_volume,
         full_response = COALESCE(EXCLUDED.full_response, day.full_response),
         fetched_at = now()
       WHERE (day.usd_price, day.usd_market_cap, day.usd_total_volume, day.full_response)
         IS DISTINCT FROM (EXCLUDED.usd_price, EXCLUDED.usd_market_cap, EXCLUDED.usd_total_volume,
                           COALESCE(EXCLUDED.full_response, day.full_response))
       RETURNING 1
     )
     SELECT count(*) AS changed FROM changed`,
    rows.params,
  );
  return Number(result[0]?.changed ?? 0);
}

/**
 * Sets the batch's months to min/max over their days, as the daily table now is (a statement after
 * the upsert sees its rows; the month locks keep other writers' days out until this commits). Each
 * month is a range of the daily table's primary key, whatever the table's size. A month that did
 * not change is left as it is.
 */
async function recomputeMonths(runner: QueryRunner, months: readonly Month[]): Promise<void> {
  await runner.query(
    `INSERT INTO coingecko_processed_data AS stored (coin_id, year, month, usd_price_min, usd_price_max)
     SELECT month.coin_id, extract(year FROM month.first_day)::int, extract(month FROM month.first_day)::int,
            prices.usd_price_min, prices.usd_price_max
       FROM unnest($1::text[], $2::date[]) AS month (coin_id, first_day)
      CROSS JOIN LATERAL (
        SELECT MIN(day.usd_price) AS usd_price_min, MAX(day.usd_price) AS usd_price_max
          FROM coingecko_scraped_data day
         WHERE day.coin_id = month.coin_id
           AND day.date >= month.first_day
           AND day.date < (month.first_day + interval '1 month')::date
      ) AS prices
     ON CONFLICT (coin_id, year, month) DO UPDATE SET
       usd_price_min = EXCLUDED.usd_price_min,
       usd_price_max = EXCLUDED.usd_price_max
     WHERE (stored.usd_price_min, stored.usd_price_max)
       IS DISTINCT FROM (EXCLUDED.usd_price_min, EXCLUDED.usd_price_max)`,
    monthParams(months),
  );
}
