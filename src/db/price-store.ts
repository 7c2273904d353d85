/**
 * Writes days to the daily table and keeps the monthly table equal to min/max over it.
 *
 * One call, one transaction, two statements whatever the batch's size: the days go into a staging
 * table (through `COPY ... FROM STDIN` on a Postgres server: see staging.ts), then one statement moves
 * them into the daily table (`INSERT ... SELECT ... ON CONFLICT (coin_id, date) DO UPDATE`, only where
 * something changed) and recomputes the months those changes touched (`INSERT ... ON CONFLICT DO
 * UPDATE` in the same statement). The same round trips as a single multi-row INSERT took. A lost connection (a restarted server) is retried with exponential backoff; the
 * transaction either committed or didn't (the staging rows go with it), so a retry never doubles a
 * row. Every value goes in as data: a hostile coin id is never SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { errorSummary } from './describe';
import { ensureStagingTable, loadStaging, STAGING_TABLE, StagingLoader, stagingLoaderFor } from './staging';

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

/**
 * Postgres error classes and socket errors that mean "the connection went away", not "bad data"; and a
 * COPY stream cut off by it (its pipeline ends early).
 */
const CONNECTION_LOST =
  /^(08|57P)|^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ERR_STREAM_PREMATURE_CLOSE)$/;

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
  private readonly loader: StagingLoader;
  private readonly fullResponse: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly retry: StoreRetry,
    { fullResponse = true }: PriceStoreOptions = {},
  ) {
    this.loader = stagingLoaderFor(dataSource);
    this.fullResponse = fullResponse;
  }

  /** Upserts the days and their months in one transaction; returns how many rows changed. */
  async saveDays(items: readonly CoinHistoryItem[]): Promise<number> {
    const unique = [...new Map(items.map((item) => [`${item.coin_id}\u0000${item.date}`, item])).values()];
    if (unique.length === 0) return 0;
    return this.withRetries(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        // Outside the transaction, so that a rollback never takes the session's staging table along.
        await ensureStagingTable(runner);
        await runner.startTransaction();
        try {
          await loadStaging(runner, this.loader, unique, this.fullResponse);
          await lockMonths(runner);
          const changed = await upsertFromStaging(runner);
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
 * Locks each (coin, month) of the staged days until the transaction ends, in one fixed order (so two
 * writers never deadlock). Without it, two writers of days of one month (a daily job beside a
 * backfill, or two backfill chunks that share a month) would each recompute the month from what it
 * sees, and the later one, blind to the other's uncommitted days, would leave the month wrong. The
 * upsert is a statement of its own, after the lock: it sees what the writer before it committed.
 */
async function lockMonths(runner: QueryRunner): Promise<void> {
  await runner.query(
    `DO $$
     DECLARE m record;
     BEGIN
       FOR m IN SELECT DISTINCT coin_id, date_trunc('month', date)::date AS first_day
                  FROM ${STAGING_TABLE} ORDER BY 1, 2 LOOP
         PERFORM pg_advisory_xact_lock(hashtext('coingecko_month'), hashtext(m.coin_id || ' ' || m.first_day));
       END LOOP;
     END $$`,
  );
}

/**
 * Moves the staged days into the daily table and recomputes the months they changed, in one
 * statement; returns how many rows were inserted or changed. A null `full_response`
 * (DB_FULL_RESPONSE=false) keeps the one a row already has.
 *
 * The months' min/max come from the changed rows' new prices and the months' other stored days: all
 * parts of a statement read the table as it was before the statement, so the changed days' old rows
 * are left out by key.
 */
async function upsertFromStaging(runner: QueryRunner): Promise<number> {
  const rows: { changed: string }[] = await runner.query(
    `WITH changed AS (
       INSERT INTO coingecko_scraped_data AS day
         (coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response)
       SELECT coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response::jsonb
         FROM ${STAGING_TABLE}
       ON CONFLICT (coin_id, date) DO UPDATE SET
         usd_price = EXCLUDED.usd_price,
         usd_market_cap = EXCLUDED.usd_market_cap,
         usd_total_volume = EXCLUDED.usd_total_volume,
         full_response = COALESCE(EXCLUDED.full_response, day.full_response),
         fetched_at = now()
       WHERE (day.usd_price, day.usd_market_cap, day.usd_total_volume, day.full_response)
         IS DISTINCT FROM (EXCLUDED.usd_price, EXCLUDED.usd_market_cap, EXCLUDED.usd_total_volume,
                           COALESCE(EXCLUDED.full_response, day.full_response))
       RETURNING coin_id, date, usd_price
     ), months AS (
       SELECT DISTINCT coin_id, date_trunc('month', date)::date AS first_day FROM changed
     ), prices AS (
       SELECT coin_id, date, usd_price FROM changed
       UNION ALL
       SELECT day.coin_id, day.date, day.usd_price
         FROM months
         JOIN coingecko_scraped_data day
           ON day.coin_id = months.coin_id
          AND day.date >= months.first_day
          AND day.date < months.first_day + interval '1 month'
        WHERE NOT EXISTS (SELECT 1 FROM changed WHERE changed.coin_id = day.coin_id AND changed.date = day.date)
     ), monthly AS (
       INSERT INTO coingecko_processed_data AS stored (coin_id, year, month, usd_price_min, usd_price_max)
       SELECT coin_id, extract(year FROM date)::int, extract(month FROM date)::int, MIN(usd_price), MAX(usd_price)
         FROM prices
        GROUP BY 1, 2, 3
       ON CONFLICT (coin_id, year, month) DO UPDATE SET
         usd_price_min = EXCLUDED.usd_price_min,
         usd_price_max = EXCLUDED.usd_price_max
       WHERE (stored.usd_price_min, stored.usd_price_max)
         IS DISTINCT FROM (EXCLUDED.usd_price_min, EXCLUDED.usd_price_max)
     )
     SELECT count(*) AS changed FROM changed`,
  );
  return Number(rows[0]?.changed ?? 0);
}
