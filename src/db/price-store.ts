/**
 * Writes days to the daily table and keeps the monthly table equal to min/max over it.
 *
 * One call, one statement, one transaction whatever the batch's size: `coingecko_save_days` (a
 * function the migrations create: it locks the batch's months, upserts the days, only where
 * something changed, and sets the months to min/max over their days), given the batch as arrays
 * (day-rows.ts: the payloads in binary). The statement commits before its answer comes back, so a
 * day counts as stored only once committed. A lost connection (a restarted server) is retried with
 * exponential backoff; the transaction either committed or didn't, and the upsert makes a retry of
 * one that did change nothing, so a retry never doubles a row. Every value goes in as data: a
 * hostile coin id is never SQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { errorSummary } from './describe';
import { DayToStore, RowsEncoding, rowsEncodingFor, saveDaysCall } from './day-rows';

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
    const call = saveDaysCall(this.encoding, unique, this.fullResponse);
    return this.withRetries(async () => {
      const rows: { changed: string }[] = await this.dataSource.query(call.sql, call.params);
      return Number(rows[0]?.changed ?? 0);
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
