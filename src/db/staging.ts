/**
 * The staging table a batch of days goes through on its way into the daily table: a temporary table
 * of the session, emptied at every commit (`ON COMMIT DELETE ROWS`), so a rolled-back or retried
 * transaction leaves nothing behind and two sessions never see each other's rows.
 *
 * On a Postgres server it is filled with `COPY ... FROM STDIN` (pg-copy-streams): the rows travel as
 * one stream of text, with no statement to parse and no parameter per value, which is as fast as
 * Postgres takes rows in. The embedded PGlite has no COPY stream from a client: there the batch goes
 * in as one JSON parameter (`json_to_recordset`), still one statement per batch.
 *
 * `full_response` is staged as text stored out of line uncompressed (`STORAGE EXTERNAL`): it is
 * parsed into `jsonb` and compressed once, when it reaches the daily table, not twice.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';

export const STAGING_TABLE = 'crawler_staging_days';

/** How a batch reaches the staging table: COPY on a Postgres server, a JSON parameter on PGlite. */
export type StagingLoader = 'copy' | 'json';

const COLUMNS = 'coin_id, date, usd_price, usd_market_cap, usd_total_volume, full_response';

/** PGlite's data source carries its own driver; a Postgres server's is TypeORM's pg one. */
export function stagingLoaderFor(dataSource: DataSource): StagingLoader {
  return (dataSource.options as { driver?: unknown }).driver === undefined ? 'copy' : 'json';
}

/** Puts `items` into the staging table, inside the caller's transaction; `fullResponse` false stages null payloads. */
export async function loadStaging(
  runner: QueryRunner,
  loader: StagingLoader,
  items: readonly CoinHistoryItem[],
  fullResponse: boolean,
): Promise<void> {
  if (loader === 'copy') await copyIn(runner, items, fullResponse);
  else await jsonIn(runner, items, fullResponse);
}

/** The sessions (connections) known to have the staging table: it lives as long as its session. */
const ready = new WeakSet<object>();

/**
 * Creates the session's staging table unless it has it. Called outside a transaction, so that it
 * stays when a transaction rolls back; a new session (after a restarted server) makes its own.
 */
export async function ensureStagingTable(runner: QueryRunner): Promise<void> {
  const session: unknown = await runner.connect();
  const known = typeof session === 'object' && session !== null;
  if (known && ready.has(session)) return;
  await runner.query(
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGING_TABLE} (
       coin_id text NOT NULL, date date NOT NULL, usd_price float8, usd_market_cap float8,
       usd_total_volume float8, full_response text
     ) ON COMMIT DELETE ROWS`,
  );
  await runner.query(`ALTER TABLE ${STAGING_TABLE} ALTER COLUMN full_response SET STORAGE EXTERNAL`);
  if (known) ready.add(session);
}

/** Loaded on first use: only a crawl that stores to a Postgres server needs it. */
type CopyFrom = typeof import('pg-copy-streams').from;
let copyFrom: CopyFrom | undefined;

async function copyIn(
  runner: QueryRunner,
  items: readonly CoinHistoryItem[],
  fullResponse: boolean,
): Promise<void> {
  copyFrom ??= (await import('pg-copy-streams')).from;
  // The transaction's own connection (a pg client): COPY must run on it to be part of the transaction.
  const client = (await runner.connect()) as {
    query(stream: ReturnType<CopyFrom>): ReturnType<CopyFrom>;
  };
  const stream = client.query(copyFrom(`COPY ${STAGING_TABLE} (${COLUMNS}) FROM STDIN`));
  await pipeline(Readable.from(copyLines(items, fullResponse)), stream);
}

/** The rows in COPY's text format, about 64 kB per chunk. */
function* copyLines(items: readonly CoinHistoryItem[], fullResponse: boolean): Generator<string> {
  let chunk = '';
  for (const item of items) {
    chunk +=
      `${copyText(item.coin_id)}\t${item.date}\t${copyNumber(item.usd_price)}\t` +
      `${copyNumber(item.usd_market_cap)}\t${copyNumber(item.usd_total_volume)}\t` +
      `${fullResponse ? copyText(JSON.stringify(item.full_response)) : '\\N'}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const COPY_SPECIAL = /[\\\t\n\r]/g;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return value.replace(COPY_SPECIAL, (char) => COPY_ESCAPES[char]);
}

function copyNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '\\N' : String(value);
}

async function jsonIn(
  runner: QueryRunner,
  items: readonly CoinHistoryItem[],
  fullResponse: boolean,
): Promise<void> {
  const rows = items.map((item) => ({
    coin_id: item.coin_id,
    date: item.date,
    usd_price: item.usd_price,
    usd_market_cap: item.usd_market_cap,
    usd_total_volume: item.usd_total_volume,
    // A JSON string, so that the text column receives the payload's text exactly.
    full_response: fullResponse ? JSON.stringify(item.full_response) : null,
  }));
  await runner.query(
    `INSERT INTO ${STAGING_TABLE} (${COLUMNS})
     SELECT ${COLUMNS} FROM json_to_recordset($1::json) AS row (
       coin_id text, date date, usd_price float8, usd_market_cap float8, usd_total_volume float8,
       full_response text)`,
    [JSON.stringify(rows)],
  );
}
