/**
 * A batch of days as one call of `coingecko_save_days` (its migration says what it does), with one
 * array per column, sent as a few parameters whatever the batch's size.
 *
 * On a Postgres server the arrays are the parameters. The payloads travel as one `jsonb[]` in
 * Postgres' binary format: each is its JSON text behind a length, with no escaping to do in Node and
 * nothing to unescape on the server, which parses it once into the daily table's `jsonb`. No staging
 * table: COPY into one, then reading it back, cost the server more CPU than this
 * (BENCHMARKS.md, "Database at scale").
 *
 * On the embedded PGlite: the batch as one JSON parameter (`json_to_recordset`), aggregated into the
 * arrays on the server.
 */
import type { DataSource } from 'typeorm';
import type { CoinHistoryItem } from '../items/coin-history-item';

/** A day to store; `full_response_text`, when the caller has it (a day file), is its payload's JSON text. */
export interface DayToStore extends CoinHistoryItem {
  full_response_text?: string;
}

/** How a batch reaches the server: arrays (binary payloads) on a Postgres server, JSON on PGlite. */
export type RowsEncoding = 'arrays' | 'json';

/** PGlite's data source carries its own driver; a Postgres server's is TypeORM's pg one. */
export function rowsEncodingFor(dataSource: DataSource): RowsEncoding {
  return (dataSource.options as { driver?: unknown }).driver === undefined ? 'arrays' : 'json';
}

/** The statement that stores a batch: one row, its `changed` column the days inserted or changed. */
export interface SaveDaysCall {
  sql: string;
  params: unknown[];
}

/** `fullResponse` false: the rows' full_response is null. */
export function saveDaysCall(
  encoding: RowsEncoding,
  items: readonly DayToStore[],
  fullResponse: boolean,
): SaveDaysCall {
  const payloads = items.map((item) => (fullResponse ? payloadText(item) : null));
  if (encoding === 'json') {
    // Each payload's text goes in as it is: the JSON parameter holds the objects, not strings of them.
    const rows = items.map(
      (item, i) =>
        `{"coin_id":${JSON.stringify(item.coin_id)},"date":${JSON.stringify(item.date)},` +
        `"usd_price":${JSON.stringify(item.usd_price ?? null)},` +
        `"usd_market_cap":${JSON.stringify(item.usd_market_cap ?? null)},` +
        `"usd_total_volume":${JSON.stringify(item.usd_total_volume ?? null)},"full_response":${payloads[i] ?? 'null'}}`,
    );
    return {
      sql: `SELECT coingecko_save_days(array_agg(coin_id), array_agg(date), array_agg(usd_price),
                     array_agg(usd_market_cap), array_agg(usd_total_volume), array_agg(full_response)) AS changed
              FROM json_to_recordset($1::json) AS row (coin_id text, date date, usd_price float8,
                     usd_market_cap float8, usd_total_volume float8, full_response jsonb)`,
      params: [`[${rows.join(',')}]`],
    };
  }
  return {
    sql: `SELECT coingecko_save_days($1::text[], $2::date[], $3::float8[], $4::float8[], $5::float8[],
                   $6::jsonb[]) AS changed`,
    params: [
      items.map((item) => item.coin_id),
      items.map((item) => item.date),
      items.map((item) => item.usd_price),
      items.map((item) => item.usd_market_cap),
      items.map((item) => item.usd_total_volume),
      jsonbArray(payloads),
    ],
  };
}

function payloadText(item: DayToStore): string {
  return item.full_response_text ?? JSON.stringify(item.full_response);
}

/** The `jsonb` type's oid: the element type a binary array names. */
const JSONB_OID = 3802;
/** The version byte that starts a `jsonb` value in binary format (its text follows). */
const JSONB_VERSION = 1;

/**
 * A one-dimensional `jsonb[]` in Postgres' binary format (array_recv): a header, then each element
 * as a length (-1 for null) and its bytes. node-postgres sends a Buffer parameter as binary.
 */
export function jsonbArray(texts: readonly (string | null)[]): Buffer {
  let size = 20;
  const lengths = texts.map((text) => (text === null ? -1 : Buffer.byteLength(text, 'utf8')));
  for (const length of lengths) size += 4 + (length < 0 ? 0 : 1 + length);
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0); // dimensions
  out.writeInt32BE(lengths.includes(-1) ? 1 : 0, 4); // has nulls
  out.writeInt32BE(JSONB_OID, 8);
  out.writeInt32BE(texts.length, 12); // the dimension's length
  out.writeInt32BE(1, 16); // its lower bound
  let at = 20;
  texts.forEach((text, i) => {
    if (text === null) {
      at = out.writeInt32BE(-1, at);
      return;
    }
    at = out.writeInt32BE(lengths[i] + 1, at);
    at = out.writeUInt8(JSONB_VERSION, at);
    at += out.write(text, at, 'utf8');
  });
  return out;
}
