/**
 * Writes days to the daily table and keeps the monthly table equal to min/max over it.
 *
 * One call, one transaction: the days are upserted (`ON CONFLICT (coin_id, date) DO UPDATE`, only
 * where something changed), then the months those changes touched are recomputed in SQL
 * (`INSERT ... SELECT ... ON CONFLICT DO UPDATE`). A lost connection (a restarted server) is retried
 * with exponential backoff; the transaction either committed or didn't, so a retry never doubles a row.
 * Every value goes in as a parameter: a hostile coin id is data, never SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { CoinDailyPrice } from './entities';
import { errorSummary } from './describe';

export interface StoreRetry {
  /** Retries of a transaction that lost its connection. */
  times: number;
  /** Longest wait between retries, in ms (doubling from 250 ms). */
  maxBackoffMs: number;
  /** Told about each retry (for the log). */
  onRetry?: (attempt: number, waitMs: number, error: unknown) => void;
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

const DAILY_COLUMNS = 6;

export class PriceStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly retry: StoreRetry,
  ) {}

  /** Upserts the days and their months in one transaction; returns how many rows changed. */
  async saveDays(items: readonly CoinHistoryItem[]): Promise<number> {
    const unique = [...new Map(items.map((item) => [`${item.coin_id}\u0000${item.date}`, item])).values()];
    if (unique.length === 0) return 0;
    return this.withRetries(() =>
      this.dataSource.transaction(async (manager) => {
        const changed = await upsertDays(manager, unique);
        await recomputeMonths(manager, changed);
        return changed.length;
      }),
    );
  }

  /** The stored days of these coins in start..end, by `coin_id \0 date`, with their price. */
  async storedDays(
    coinIds: readonly string[],
    startDate: string,
    endDate: string,
  ): Promise<Map<string, { coin_id: string; date: string; usd_price: number | null }>> {
    const rows = await this.withRetries(() =>
      this.dataSource
        .getRepository(CoinDailyPrice)
        .createQueryBuilder('day')
        .select(['day.coinId', 'day.date', 'day.usdPrice'])
        .where('day.coinId IN (:...coinIds)', { coinIds })
        .andWhere('day.date BETWEEN :startDate AND :endDate', { startDate, endDate })
        .getMany(),
    );
    return new Map(
      rows.map((row) => [
        `${row.coinId}\u0000${row.date}`,
        { coin_id: row.coinId, date: row.date, usd_price: row.usdPrice },
      ]),
    );
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

/** Inserts or updates the days; returns the (coin, date) of the rows that were inserted or changed. */
async function upsertDays(manager: EntityManager, items: readonly CoinHistoryItem[]) {
  const params: unknown[] = [];
  const rows = items.map((item, i) => {
    params.push(item.coin_id, item.date, item.usd_price, item.usd_market_cap, item.usd_total_volume);
    params.push(JSON.stringify(item.full_response));
    const n = i * DAILY_COLUMNS;
    return `($${n + 1}, $${n + 2}::date, $${n + 3}::float8, $${n + 4}::float8, $${n + 5}::float8, $${n + 6}::jsonb)`;
  });
  const changed: { coin_id: string; date: string }[] = await manager.query(
    `INSERT INTO coingecko_scraped_data AS day
       (coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response)
     VALUES ${rows.join(', ')}
     ON CONFLICT (coin_id, date) DO UPDATE SET
       usd_price = EXCLUDED.usd_price,
       usd_market_cap = EXCLUDED.usd_market_cap,
       usd_total_volume = EXCLUDED.usd_total_volume,
       full_response = EXCLUDED.full_response,
       fetched_at = now()
     WHERE (day.usd_price, day.usd_market_cap, day.usd_total_volume, day.full_response)
       IS DISTINCT FROM (EXCLUDED.usd_price, EXCLUDED.usd_market_cap, EXCLUDED.usd_total_volume, EXCLUDED.full_response)
     RETURNING coin_id, to_char(date, 'YYYY-MM-DD') AS date`,
    params,
  );
  return changed;
}

/** Recomputes min/max of the months these days fall in, from the daily table. */
async function recomputeMonths(manager: EntityManager, days: readonly { coin_id: string; date: string }[]) {
  const months = [...new Map(days.map((d) => [`${d.coin_id}\u0000${d.date.slice(0, 7)}`, d])).values()];
  if (months.length === 0) return;
  const params: unknown[] = [];
  const values = months.map((day, i) => {
    params.push(day.coin_id, Number(day.date.slice(0, 4)), Number(day.date.slice(5, 7)));
    return `($${i * 3 + 1}::text, $${i * 3 + 2}::int, $${i * 3 + 3}::int)`;
  });
  await manager.query(
    `INSERT INTO coingecko_processed_data (coin_id, year, month, usd_price_min, usd_price_max)
     SELECT month.coin_id, month.year, month.month, MIN(day.usd_price), MAX(day.usd_price)
     FROM (VALUES ${values.join(', ')}) AS month (coin_id, year, month)
     JOIN coingecko_scraped_data day
       ON day.coin_id = month.coin_id
      AND day.date >= make_date(month.year, month.month, 1)
      AND day.date < make_date(month.year, month.month, 1) + interval '1 month'
     GROUP BY month.coin_id, month.year, month.month
     ON CONFLICT (coin_id, year, month) DO UPDATE SET
       usd_price_min = EXCLUDED.usd_price_min,
       usd_price_max = EXCLUDED.usd_price_max`,
    params,
  );
}
