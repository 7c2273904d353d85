/**
 * Writes days to the daily table and keeps the monthly table equal to min/max over it.
 *
 * One call, one transaction, three statements whatever the batch's size: the days go into a staging
 * table (through `COPY ... FROM STDIN` on a Postgres server: see staging.ts), one `INSERT ... SELECT
 * ... ON CONFLICT (coin_id, date) DO UPDATE` moves them into the daily table (only where something
 * changed), and one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` recomputes the months those changes
 * touched. A lost connection (a restarted server) is retried with exponential backoff; the
 * transaction either committed or didn't (the staging rows go with it), so a retry never doubles a
 * row. Every value goes in as data: a hostile coin id is never SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { errorSummary } from './describe';
import { loadStaging, STAGING_TABLE, StagingLoader, stagingLoaderFor } from './staging';

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
    return this.withRetries(() =>
      this.dataSource.transaction(async (manager) => {
        await loadStaging(manager, this.loader, unique, this.fullResponse);
        const changed = await upsertFromStaging(manager);
        if (changed > 0) await recomputeMonths(manager);
        return changed;
      }),
    );
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
 * Moves the staged days into the daily table; returns how many rows were inserted or changed. The
 * changed ones are flagged in the staging table, so that only their months are recomputed. A null
 * `full_response` (DB_FULL_RESPONSE=false) keeps the one a row already has.
 */
async function upsertFromStaging(manager: EntityManager): Promise<number> {
  const rows: { changed: string }[] = await manager.query(
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
       RETURNING coin_id, date
     ), months AS (
       SELECT DISTINCT coin_id, date_trunc('month', date)::date AS first_day FROM changed
     )
     INSERT INTO ${STAGING_TABLE}_months SELECT coin_id, first_day FROM months
     RETURNING (SELECT count(*) FROM changed) AS changed`,
  );
  return Number(rows[0]?.changed ?? 0);
}

/** Recomputes min/max of the months flagged by upsertFromStaging, from the daily table. */
async function recomputeMonths(manager: EntityManager): Promise<void> {
  await manager.query(
    `INSERT INTO coingecko_processed_data AS stored (coin_id, year, month, usd_price_min, usd_price_max)
     SELECT month.coin_id, extract(year FROM month.first_day)::int, extract(month FROM month.first_day)::int,
            MIN(day.usd_price), MAX(day.usd_price)
       FROM ${STAGING_TABLE}_months month
       JOIN coingecko_scraped_data day
         ON day.coin_id = month.coin_id
        AND day.date >= month.first_day
        AND day.date < month.first_day + interval '1 month'
      GROUP BY month.coin_id, month.first_day
     ON CONFLICT (coin_id, year, month) DO UPDATE SET
       usd_price_min = EXCLUDED.usd_price_min,
       usd_price_max = EXCLUDED.usd_price_max
     WHERE (stored.usd_price_min, stored.usd_price_max)
       IS DISTINCT FROM (EXCLUDED.usd_price_min, EXCLUDED.usd_price_max)`,
  );
}
