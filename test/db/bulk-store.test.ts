/**
 * The bulk path of the store (a batch as array parameters, one upsert per batch) against a real Postgres:
^ * a server restarted while batches are being written loses no day and doubles none; the monthly table
 * stays min/max over the daily one; DB_FULL_RESPONSE=false stores new rows without their payload and
 * leaves an existing payload alone; the "stored?" check answers for exactly the days asked about; a
 * payload handed over as JSON text is stored as that JSON, on a server and on PGlite.
 * Expected values are computed here with plain loops.
 */
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { PriceStore } from '../../src/db/price-store';
import type { DayToStore } from '../../src/db/day-rows';
import type { CoinHistoryItem } from '../../src/items/coin-history-item';
import { tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { startPrivatePostgres } from '../helpers/private-postgres';

/** A day of a made-up coin, with a payload of about 7 KB like a `/history` answer's. */
function day(coinId: string, index: number, price: number | null = 100 + (index % 37)): CoinHistoryItem {
  const date = new Date(Date.UTC(2020, 0, 1) + index * 86_400_000).toISOString().slice(0, 10);
  return {
    coin_id: coinId,
    date,
    usd_price: price,
    usd_market_cap: price === null ? null : price * 1000,
    usd_total_volume: null,
    // Tabs, newlines and backslashes: characters any text encoding of the payload must keep.
    full_response: { id: coinId, note: 'tab\there\nnew line \\ back', padding: 'x'.repeat(7000), index },
  };
}

interface MonthRow {
  coin_id: string;
  year: number;
  month: number;
  usd_price_min: number | null;
  usd_price_max: number | null;
}

function expectedMonths(items: CoinHistoryItem[]): MonthRow[] {
  const months = new Map<string, MonthRow>();
  for (const item of items) {
    const key = `${item.coin_id} ${item.date.slice(0, 7)}`;
    const month = months.get(key) ?? {
      coin_id: item.coin_id,
      year: Number(item.date.slice(0, 4)),
      month: Number(item.date.slice(5, 7)),
      usd_price_min: null,
      usd_price_max: null,
    };
    if (item.usd_price !== null) {
      month.usd_price_min = Math.min(month.usd_price_min ?? Infinity, item.usd_price);
      month.usd_price_max = Math.max(month.usd_price_max ?? -Infinity, item.usd_price);
    }
    months.set(key, month);
  }
  return [...months.values()].sort(
    (a, b) => a.coin_id.localeCompare(b.coin_id) || a.year - b.year || a.month - b.month,
  );
}

async function monthRows(source: DataSource): Promise<MonthRow[]> {
  return source.query('SELECT * FROM coingecko_processed_data ORDER BY coin_id, year, month');
}

it('loses and doubles no day when the server restarts while batches are written', async () => {
  const server = await startPrivatePostgres();
  const dataSource = await openDatabase({ databaseUrl: server.url, dataDir: tempDir() });
  try {
    const retries: number[] = [];
    const store = new PriceStore(dataSource, {
      times: 20,
      maxBackoffMs: 500,
      onRetry: (attempt) => retries.push(attempt),
    });
    const items = Array.from({ length: 3000 }, (_, i) => day(`coin-${i % 3}`, Math.floor(i / 3)));
    let restarted = false;
    let changed = 0;
    for (let start = 0; start < items.length; start += 200) {
      const saving = store.saveDays(items.slice(start, start + 200));
      if (start === 1000) {
        // The server goes away while this batch is on its way (or being written), for a second.
        server.stop();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        server.start();
        restarted = true;
      }
      changed += await saving;
    }
    expect(restarted).toBe(true);
    expect(retries.length).toBeGreaterThan(0);
    expect(changed).toBe(3000);

    const rows: { coin_id: string; date: string; usd_price: number; index: number; note: string }[] =
      await dataSource.query(
        `SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price,
                (full_response->>'index')::int AS index, full_response->>'note' AS note
           FROM coingecko_scraped_data ORDER BY coin_id, date`,
      );
    expect(rows).toHaveLength(3000);
    const byKey = new Map(items.map((item) => [`${item.coin_id} ${item.date}`, item]));
    for (const row of rows) {
      const item = byKey.get(`${row.coin_id} ${row.date}`)!;
      expect([row.usd_price, row.index, row.note]).toEqual([
        item.usd_price,
        item.full_response.index,
        'tab\there\nnew line \\ back',
      ]);
    }
    expect(await monthRows(dataSource)).toEqual(expectedMonths(items));

    // The same days again change nothing.
    expect(await store.saveDays(items.slice(0, 500))).toBe(0);
  } finally {
    await dataSource.destroy();
    server.destroy();
  }
});

describe('on the machine Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ databaseUrl: db.url, dataDir: tempDir() });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('four writers of days of one month at once leave the month equal to min/max over its days', async () => {
    const stores = [0, 1, 2, 3].map(() => new PriceStore(dataSource, { times: 3, maxBackoffMs: 100 }));
    // Four writers, each a different day of the same months, the lowest price last in each: a month
    // recomputed without another writer's uncommitted day would miss a minimum or a maximum.
    const items = Array.from({ length: 120 }, (_, i) => day('race', i, 1000 - i * ((i % 7) - 3)));
    await Promise.all(
      stores.map((store, w) =>
        (async () => {
          for (let i = w; i < items.length; i += 8) await store.saveDays([items[i], items[i + 4]]);
        })(),
      ),
    );
    const months = (await monthRows(dataSource)).filter((row) => row.coin_id === 'race');
    expect(months).toEqual(expectedMonths(items));
  });

  it('DB_FULL_RESPONSE=false: new rows without the payload; a stored payload is kept; months still right', async () => {
    const withPayload = new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 });
    const without = new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 }, { fullResponse: false });
    await withPayload.saveDays([day('kept', 0, 5)]);
    // A new day, and the stored one with a new price.
    expect(await without.saveDays([day('kept', 0, 7), day('kept', 1, 3), day('bare', 0, 2)])).toBe(3);
    const rows = await dataSource.query(
      `SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price, full_response IS NULL AS bare,
              pg_column_size(full_response) AS payload_bytes
         FROM coingecko_scraped_data WHERE coin_id IN ('kept', 'bare') ORDER BY coin_id, date`,
    );
    expect(rows).toEqual([
      { coin_id: 'bare', date: '2020-01-01', usd_price: 2, bare: true, payload_bytes: null },
      { coin_id: 'kept', date: '2020-01-01', usd_price: 7, bare: false, payload_bytes: expect.any(Number) },
      { coin_id: 'kept', date: '2020-01-02', usd_price: 3, bare: true, payload_bytes: null },
    ]);
    // lz4 (a migration sets it): 7 KB of repetitive JSON comes out far smaller.
    expect(rows[1].payload_bytes).toBeLessThan(1000);
    const [{ method }] = await dataSource.query(
      `SELECT pg_column_compression(full_response) AS method FROM coingecko_scraped_data
        WHERE coin_id = 'kept' AND date = '2020-01-01'`,
    );
    expect(method).toBe('lz4');
    expect((await monthRows(dataSource)).filter((m) => ['kept', 'bare'].includes(m.coin_id))).toEqual([
      { coin_id: 'bare', year: 2020, month: 1, usd_price_min: 2, usd_price_max: 2 },
      { coin_id: 'kept', year: 2020, month: 1, usd_price_min: 3, usd_price_max: 7 },
    ]);
    // Again without a payload: nothing changes (a missing payload is not a change).
    expect(await without.saveDays([day('kept', 0, 7), day('bare', 0, 2)])).toBe(0);
  });

  it('the stored check answers for exactly the days asked about', async () => {
    const store = new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 });
    await store.saveDays([day('probe', 0, 1), day('probe', 200, null), day('probe', 100, 4)]);
    const found = await store.storedDays([
      { coin_id: 'probe', date: '2020-01-01' },
      { coin_id: 'probe', date: '2020-07-19' },
      { coin_id: 'probe', date: '2020-01-02' },
      { coin_id: 'other', date: '2020-01-01' },
    ]);
    expect([...found.values()].sort((a, b) => a.date.localeCompare(b.date))).toEqual([
      { coin_id: 'probe', date: '2020-01-01', usd_price: 1 },
      { coin_id: 'probe', date: '2020-07-19', usd_price: null },
    ]);
  });
});

describe("a payload's JSON text, as reprocess hands it over (full_response_text)", () => {
  /** Non-ASCII text, escapes and a number written as the API writes it: stored as JSON, not as text. */
  const text =
    '{"name":"Bitcoin é 🚀","quote":"say \\"hi\\"\\\\","escaped":"\\u00e9","n":1.50,"list":[1,null]}';
  const items: DayToStore[] = [
    { ...day('text', 0, 3), full_response: { ignored: true }, full_response_text: text },
    { ...day('text', 1, 4) },
  ];

  async function storedPayloads(source: DataSource) {
    return source.query(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, full_response FROM coingecko_scraped_data
        WHERE coin_id = 'text' ORDER BY date`,
    );
  }

  it.each([
    ['the machine Postgres (binary arrays)', true],
    ['the embedded PGlite (one JSON parameter)', false],
  ])('on %s: the text is the payload stored, beside one serialised from its object', async (_, server) => {
    const db = server ? await createTestDatabase() : undefined;
    const source = await openDatabase({ databaseUrl: db?.url ?? '', dataDir: tempDir() });
    try {
      const store = new PriceStore(source, { times: 0, maxBackoffMs: 0 });
      expect(await store.saveDays(items)).toBe(2);
      expect(await storedPayloads(source)).toEqual([
        { date: '2020-01-01', full_response: JSON.parse(text) },
        { date: '2020-01-02', full_response: items[1].full_response },
      ]);
      // A batch with payloads and without (DB_FULL_RESPONSE=false) keeps what each row has.
      const bare = new PriceStore(source, { times: 0, maxBackoffMs: 0 }, { fullResponse: false });
      expect(await bare.saveDays([{ ...items[0], usd_price: 5 }, day('text', 2, 6)])).toBe(2);
      expect(
        (await storedPayloads(source)).map((row: { full_response: unknown }) => row.full_response),
      ).toEqual([JSON.parse(text), items[1].full_response, null]);
      expect((await monthRows(source)).filter((row) => row.coin_id === 'text')).toEqual([
        { coin_id: 'text', year: 2020, month: 1, usd_price_min: 4, usd_price_max: 6 },
      ]);
    } finally {
      await source.destroy();
      await db?.drop();
    }
  });
});
