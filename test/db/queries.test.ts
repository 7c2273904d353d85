/**
 * The stored queries of `sql/queries` against real Postgres: the CSV exports of bitcoin, ethereum and
 * cardano for 2021-01-01..2021-09-30, and a hand-made tiny dataset that pins the edge cases (a gap and
 * a null price inside a run, a run of 3, a rise of 0, a run at the end of the data). Expected values
 * are computed here from the CSV rows with plain loops, never with SQL. The same queries also run on
 * the embedded database (PGlite) and must give the same rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { PriceStore } from '../../src/db/price-store';
import type { CoinHistoryItem } from '../../src/items/coin-history-item';
import { loadCsvPrices } from '../mock-api/server';
import { PROJECT_ROOT, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';

const COINS = ['bitcoin', 'cardano', 'ethereum'];
const FIRST_DAY = '2021-01-01';
const LAST_DAY = '2021-09-30';

type Params = [coinIds: string | null, firstDay: string | null, lastDay: string | null];
type Row = Record<string, unknown>;

interface MonthRow {
  coin_id: string;
  year: number;
  month: number;
  avg_usd_price: number | null;
  days: number;
}

interface ReboundRow {
  coin_id: string;
  runs: number;
  avg_rebound_usd: number | null;
  usd_market_cap: number | null;
  latest_date: string | null;
}

function readQuery(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'sql', 'queries', `${name}.sql`), 'utf8');
}
const AVG_BY_MONTH = readQuery('avg_price_by_month');
const REBOUNDS = readQuery('rebound_after_drops');

/** Every calendar day from first to last, inclusive. */
function calendarDays(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

function item(coinId: string, date: string, price: number | null, marketCap: number | null, volume = 0) {
  const day: CoinHistoryItem = {
    coin_id: coinId,
    date,
    usd_price: price,
    usd_market_cap: marketCap,
    usd_total_volume: price === null ? null : volume,
    full_response:
      price === null
        ? {}
        : {
            market_data: {
              current_price: { usd: price },
              market_cap: { usd: marketCap },
              total_volume: { usd: volume },
            },
          },
  };
  return day;
}

/** The CSV rows of the three coins in the range, as the crawler would store them. */
function csvItems(): CoinHistoryItem[] {
  return COINS.flatMap((coinId) => {
    const csv = loadCsvPrices(coinId);
    return calendarDays(FIRST_DAY, LAST_DAY).map((date) => {
      const row = csv.get(date);
      if (!row) throw new Error(`no CSV row for ${coinId} ${date}`);
      return item(coinId, date, row.price, row.marketCap, row.volume ?? 0);
    });
  });
}

/**
 * The tiny dataset. `tinycoin`, from 2022-01-01, one price a day; `'gap'` is a day with no row, null a
 * day without market data. Its market cap (only in the JSON; the column is left null) is 1000 × price.
 */
// prettier-ignore
const TINY_PRICES: (number | null | 'gap')[] = [
  100, 90, 80, 70, 60, 65,              // Jan 1-6: 4 drops, then +5: counted
  64, 63, 62, 70,                       // Jan 7-10: 3 drops only: not counted
  69, 68, 67, 66, 65, 'gap', 75,        // Jan 11-17: 5 drops, then a missing day: not counted
  74, 73, 'gap', 72, 71, 70, 80,        // Jan 18-24: 2 drops, a missing day, 2 drops: no run across it
  'gap', 79, 78, 77, 76, 85,            // Jan 25-30: the day after a missing day is no drop: 3 drops
  84, 83, 82, 81, null, 90,             // Jan 31-Feb 5: 4 drops, then a day without a price: not counted
  89, 88, null, 87, 86, 85, 95,         // Feb 6-12: 2 drops, no price, 2 drops: no run across it
  94, 93, 92, 91, 91,                   // Feb 13-17: 4 drops, then equal: counted with a rise of 0
  90, 89, 88, 87,                       // Feb 18-21: 4 drops at the end of the data: not counted
];

function tinyItems(): CoinHistoryItem[] {
  const days = calendarDays('2022-01-01', '2022-12-31');
  const items: CoinHistoryItem[] = [];
  TINY_PRICES.forEach((price, i) => {
    if (price === 'gap') return;
    const day = item('tinycoin', days[i], price, price === null ? null : price * 1000);
    items.push({ ...day, usd_market_cap: null });
  });
  // The latest day has no market data: the market cap comes from the day before.
  items.push(item('tinycoin-b', '2022-01-01', 1, 100), item('tinycoin-b', '2022-01-02', 2, 200));
  items.push(item('tinycoin-b', '2022-01-03', null, null));
  // No market data at all.
  items.push(item('tinycoin-c', '2022-01-05', null, null));
  return items;
}

// ---- Expected values, from the CSV rows, with loops ----

/** Average price per month of one coin's priced days in [first, last]. */
function expectedMonths(coinId: string, prices: Map<string, number | null>, first: string, last: string) {
  const months = new Map<string, { sum: number; days: number }>();
  for (const date of calendarDays(first, last)) {
    if (!prices.has(date)) continue;
    const month = months.get(date.slice(0, 7)) ?? { sum: 0, days: 0 };
    const price = prices.get(date);
    if (price != null) {
      month.sum += price;
      month.days += 1;
    }
    months.set(date.slice(0, 7), month);
  }
  return [...months].map(([key, { sum, days }]): MonthRow => ({
    coin_id: coinId,
    year: Number(key.slice(0, 4)),
    month: Number(key.slice(5, 7)),
    avg_usd_price: days ? sum / days : null,
    days,
  }));
}

/**
 * Walks the calendar: a day lower than a priced previous day extends the streak of drops; any other
 * day ends it, and a streak of 4 or more ended by a priced day that is not lower is a rebound.
 */
function expectedRebounds(prices: Map<string, number | null>, first: string, last: string) {
  const rises: number[] = [];
  let streak = 0;
  let previous: number | null = null;
  for (const date of calendarDays(first, last)) {
    const price = prices.get(date) ?? null; // no row, or a null price
    if (price !== null && previous !== null && price < previous) {
      streak += 1;
    } else {
      if (streak >= 4 && price !== null && previous !== null) rises.push(price - previous);
      streak = 0;
    }
    previous = price;
  }
  return { runs: rises.length, avg: rises.length ? rises.reduce((a, b) => a + b, 0) / rises.length : null };
}

function csvPrices(coinId: string): Map<string, number | null> {
  return new Map([...loadCsvPrices(coinId)].map(([date, row]) => [date, row.price]));
}

function expectedCsvMonths(coinIds: string[], first: string, last: string): MonthRow[] {
  return coinIds.flatMap((coinId) => expectedMonths(coinId, csvPrices(coinId), first, last));
}

function expectedCsvRebounds(coinIds: string[], first: string, last: string): ReboundRow[] {
  return coinIds.map((coinId) => {
    const { runs, avg } = expectedRebounds(csvPrices(coinId), first, last);
    return {
      coin_id: coinId,
      runs,
      avg_rebound_usd: avg,
      usd_market_cap: loadCsvPrices(coinId).get(last)?.marketCap ?? null,
      latest_date: last,
    };
  });
}

/** Equal rows: the same columns, text and whole numbers exact, other numbers to 9 relative digits. */
function expectRowsClose(actual: Row[], expected: Row[]) {
  expect(actual.map((row) => Object.keys(row))).toEqual(expected.map((row) => Object.keys(row)));
  actual.forEach((row, i) => {
    for (const [column, want] of Object.entries(expected[i])) {
      const got = row[column];
      const where = `${String(row.coin_id)} ${column} (row ${i})`;
      if (typeof want === 'number' && !Number.isInteger(want)) {
        expect([where, typeof got]).toEqual([where, 'number']);
        if (want === 0) expect(got).toBe(0);
        else expect([where, (got as number) / want]).toEqual([where, expect.closeTo(1, 9)]);
      } else {
        expect([where, got]).toEqual([where, want]);
      }
    }
  });
}

// ---- The databases ----

let db: TestDatabase;
let tinyDb: TestDatabase;
let sources: DataSource[] = [];

async function load(url: string, items: CoinHistoryItem[]): Promise<DataSource> {
  const dataSource = await openDatabase({ databaseUrl: url, dataDir: tempDir() });
  sources.push(dataSource);
  await new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 }).saveDays(items);
  return dataSource;
}

beforeAll(async () => {
  [db, tinyDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await Promise.all([load(db.url, csvItems()), load(tinyDb.url, tinyItems())]);
});
afterAll(async () => {
  await Promise.all(sources.map((source) => source.destroy()));
  sources = [];
  await Promise.all([db.drop(), tinyDb.drop()]);
});

const run = <T = Row>(database: TestDatabase, sql: string, params: Params) => database.query<T>(sql, params);

describe('avg_price_by_month', () => {
  it('gives every month of every coin, equal to the CSV averages', async () => {
    const rows = await run<MonthRow>(db, AVG_BY_MONTH, [null, null, null]);
    expect(rows).toHaveLength(3 * 9);
    expectRowsClose(
      rows as unknown as Row[],
      expectedCsvMonths(COINS, FIRST_DAY, LAST_DAY) as unknown as Row[],
    );
    expect(rows.find((r) => r.coin_id === 'bitcoin' && r.month === 2)?.days).toBe(28);
  });

  it('filters by coin ($1) and by days ($2, $3), also in the middle of a month', async () => {
    expectRowsClose(
      await run(db, AVG_BY_MONTH, ['ethereum', null, null]),
      expectedCsvMonths(['ethereum'], FIRST_DAY, LAST_DAY) as unknown as Row[],
    );
    expectRowsClose(
      await run(db, AVG_BY_MONTH, ['cardano,bitcoin', '2021-03-15', '2021-06-20']),
      expectedCsvMonths(['bitcoin', 'cardano'], '2021-03-15', '2021-06-20') as unknown as Row[],
    );
    expectRowsClose(
      await run(db, AVG_BY_MONTH, [null, '2021-09-10', null]),
      expectedCsvMonths(COINS, '2021-09-10', LAST_DAY) as unknown as Row[],
    );
    expectRowsClose(
      await run(db, AVG_BY_MONTH, [null, null, '2021-01-05']),
      expectedCsvMonths(COINS, FIRST_DAY, '2021-01-05') as unknown as Row[],
    );
    expect(await run(db, AVG_BY_MONTH, ['dogecoin', null, null])).toEqual([]);
  });

  it('skips null prices and gaps; a month with no price is listed with days 0', async () => {
    const tiny = new Map<string, number | null>();
    const days = calendarDays('2022-01-01', '2022-02-28');
    TINY_PRICES.forEach((price, i) => price !== 'gap' && tiny.set(days[i], price));
    const rows = await run<MonthRow>(tinyDb, AVG_BY_MONTH, [null, null, null]);
    expectRowsClose(
      rows as unknown as Row[],
      [
        ...expectedMonths('tinycoin', tiny, '2022-01-01', '2022-02-28'),
        { coin_id: 'tinycoin-b', year: 2022, month: 1, avg_usd_price: 1.5, days: 2 },
        { coin_id: 'tinycoin-c', year: 2022, month: 1, avg_usd_price: null, days: 0 },
      ] as unknown as Row[],
    );
    // 31 days of January, less three missing days; 21 of February, less two without a price.
    expect(rows.slice(0, 2).map((r) => [r.month, r.days, r.avg_usd_price])).toEqual([
      [1, 28, expect.any(Number)],
      [2, 19, expect.any(Number)],
    ]);
  });
});

describe('rebound_after_drops', () => {
  it('counts the runs and averages the rebounds of every coin; the market cap of the latest day', async () => {
    const rows = await run<ReboundRow>(db, REBOUNDS, [null, null, null]);
    const expected = expectedCsvRebounds(COINS, FIRST_DAY, LAST_DAY);
    expectRowsClose(rows as unknown as Row[], expected as unknown as Row[]);
    // The data has runs to count, and the market cap is the CSV's of 2021-09-30, exactly.
    for (const row of rows) expect(row.runs).toBeGreaterThan(0);
    expect(rows.map((r) => r.usd_market_cap)).toEqual(
      COINS.map((coinId) => loadCsvPrices(coinId).get('2021-09-30')?.marketCap),
    );
  });

  it('filters by coin ($1) and by days ($2, $3)', async () => {
    expectRowsClose(
      await run(db, REBOUNDS, ['ethereum', null, null]),
      expectedCsvRebounds(['ethereum'], FIRST_DAY, LAST_DAY) as unknown as Row[],
    );
    for (const [first, last] of [
      ['2021-03-15', '2021-06-20'],
      ['2021-05-10', '2021-07-31'],
      ['2021-02-01', '2021-02-10'],
    ]) {
      const rows = await run<ReboundRow>(db, REBOUNDS, ['cardano,bitcoin', first, last]);
      expectRowsClose(
        rows as unknown as Row[],
        expectedCsvRebounds(['bitcoin', 'cardano'], first, last) as unknown as Row[],
      );
    }
    expect(await run(db, REBOUNDS, ['dogecoin', null, null])).toEqual([]);
  });

  it('pins the edge cases: gaps, null prices, runs of 3, a rise of 0, a run at the end', async () => {
    expect(await run(tinyDb, REBOUNDS, [null, null, null])).toEqual([
      // Counted: Jan 2-5 (+5) and Feb 13-16 (+0).
      {
        coin_id: 'tinycoin',
        runs: 2,
        avg_rebound_usd: 2.5,
        usd_market_cap: 87_000,
        latest_date: '2022-02-21',
      },
      {
        coin_id: 'tinycoin-b',
        runs: 0,
        avg_rebound_usd: null,
        usd_market_cap: 200,
        latest_date: '2022-01-02',
      },
      { coin_id: 'tinycoin-c', runs: 0, avg_rebound_usd: null, usd_market_cap: null, latest_date: null },
    ]);
    // The independent walk agrees.
    const tiny = new Map<string, number | null>();
    const days = calendarDays('2022-01-01', '2022-02-28');
    TINY_PRICES.forEach((price, i) => price !== 'gap' && tiny.set(days[i], price));
    expect(expectedRebounds(tiny, '2022-01-01', '2022-02-21')).toEqual({ runs: 2, avg: 2.5 });
  });

  it('applies the filters to the days considered: a run cut by $2 or $3 is not one', async () => {
    const tiny = (first: string | null, last: string | null) =>
      run<ReboundRow>(tinyDb, REBOUNDS, ['tinycoin', first, last]);
    // From Jan 3, the first run has only 2 drop days.
    expect(await tiny('2022-01-03', null)).toEqual([
      { coin_id: 'tinycoin', runs: 1, avg_rebound_usd: 0, usd_market_cap: 87_000, latest_date: '2022-02-21' },
    ]);
    // Up to Feb 16, the run of Feb 13-16 has no day after it.
    expect(await tiny(null, '2022-02-16')).toEqual([
      { coin_id: 'tinycoin', runs: 1, avg_rebound_usd: 5, usd_market_cap: 91_000, latest_date: '2022-02-16' },
    ]);
    // Both: no runs, but the coin is listed.
    expect(await tiny('2022-01-03', '2022-02-16')).toEqual([
      {
        coin_id: 'tinycoin',
        runs: 0,
        avg_rebound_usd: null,
        usd_market_cap: 91_000,
        latest_date: '2022-02-16',
      },
    ]);
    expect(
      (await run<ReboundRow>(tinyDb, REBOUNDS, ['tinycoin-b,tinycoin-c', null, null])).map((r) => r.coin_id),
    ).toEqual(['tinycoin-b', 'tinycoin-c']);
  });
});

describe('on the embedded database (PGlite)', () => {
  it('gives the same rows as Postgres', async () => {
    const embedded = await load('', [...csvItems(), ...tinyItems()]);
    const cases: [string, Params][] = [
      [AVG_BY_MONTH, [null, null, null]],
      [AVG_BY_MONTH, ['cardano', '2021-02-10', '2021-04-03']],
      [REBOUNDS, [null, null, null]],
      [REBOUNDS, ['bitcoin,ethereum', '2021-03-15', '2021-06-20']],
      [REBOUNDS, ['tinycoin', '2022-01-03', null]],
    ];
    for (const [sql, params] of cases) {
      // The two Postgres databases hold the same coins, apart; their coins sort apart too.
      const fromPostgres = [...(await run(db, sql, params)), ...(await run(tinyDb, sql, params))];
      const fromPglite = (await embedded.query(sql, params)) as Row[];
      expect(fromPglite.length).toBeGreaterThan(0);
      expectRowsClose(fromPglite, fromPostgres);
    }
  });
});
