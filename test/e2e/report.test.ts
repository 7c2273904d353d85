/**
 * `crawl.ts report NAME` as a user runs it, on a Postgres database filled from the CSV exports: the
 * result alone on stdout, as JSON, CSV or the default table; bad names and flags are one line, exit 2.
 * Expected values are computed here from the CSV rows.
 */
import { formatCsv, formatTable } from '../../src/util/row-format';
import { openDatabase } from '../../src/db/data-source';
import { PriceStore } from '../../src/db/price-store';
import type { CoinHistoryItem } from '../../src/items/coin-history-item';
import { loadCsvPrices } from '../mock-api/server';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';

const COINS = ['bitcoin', 'ethereum'];
const MONTHS = ['2021-01', '2021-02', '2021-03'];

let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const items: CoinHistoryItem[] = [];
  for (const coinId of COINS) {
    for (const [date, row] of loadCsvPrices(coinId)) {
      if (!MONTHS.includes(date.slice(0, 7))) continue;
      items.push({
        coin_id: coinId,
        date,
        usd_price: row.price,
        usd_market_cap: row.marketCap,
        usd_total_volume: row.volume,
        full_response: {
          market_data: {
            current_price: { usd: row.price },
            market_cap: { usd: row.marketCap },
            total_volume: { usd: row.volume },
          },
        },
      });
    }
  }
  const dataSource = await openDatabase({ databaseUrl: db.url, dataDir: tempDir() });
  await new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 }).saveDays(items);
  await dataSource.destroy();
});
afterAll(async () => {
  await db.drop();
});

/** [coin, year, month, average, days] of each month, from the CSV. */
function expectedMonths(coinIds: string[], months = MONTHS): [string, number, number, number, number][] {
  return coinIds.flatMap((coinId) =>
    months.map((month): [string, number, number, number, number] => {
      const prices = [...loadCsvPrices(coinId)]
        .filter(([date]) => date.startsWith(month))
        .map(([, row]) => row.price as number);
      const average = prices.reduce((sum, price) => sum + price, 0) / prices.length;
      return [coinId, Number(month.slice(0, 4)), Number(month.slice(5)), average, prices.length];
    }),
  );
}

function report(args: string[]) {
  return runCli(['report', ...args, '--data-dir', tempDir()], { env });
}

function expectMonths(actual: unknown[][], expected: [string, number, number, number, number][]) {
  expect(actual.map(([coin, year, month, , days]) => [coin, year, month, days])).toEqual(
    expected.map(([coin, year, month, , days]) => [coin, year, month, days]),
  );
  actual.forEach((row, i) => expect((row[3] as number) / expected[i][3]).toBeCloseTo(1, 9));
}

it('--format json: an array of rows keyed by column, numbers as numbers; logs only on stderr', async () => {
  const result = await report(['avg_price_by_month', '--format', 'json']);
  expect(result.code).toBe(0);
  const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
  expect(Object.keys(rows[0])).toEqual(['coin_id', 'year', 'month', 'avg_usd_price', 'days']);
  expectMonths(
    rows.map((row) => [row.coin_id, row.year, row.month, row.avg_usd_price, row.days]),
    expectedMonths(COINS),
  );
  expect(typeof rows[0].avg_usd_price).toBe('number');
  expect(result.stderr).toMatch(/\[INFO\] report avg_price_by_month on Postgres at .+: 6 rows/);
});

it('--format csv: a header and RFC 4180 rows, every digit kept; filters by coin and days', async () => {
  const result = await report([
    'avg_price_by_month',
    '--format',
    'csv',
    '-c',
    'ethereum',
    '-s',
    '2021-02-01',
  ]);
  expect(result.code).toBe(0);
  expect(result.stdout.endsWith('\r\n')).toBe(true);
  const [header, ...lines] = result.stdout.trimEnd().split('\r\n');
  expect(header).toBe('coin_id,year,month,avg_usd_price,days');
  expectMonths(
    lines.map((line) => line.split(',').map((field, i) => (i === 0 ? field : Number(field)))),
    expectedMonths(['ethereum'], ['2021-02', '2021-03']),
  );
});

it('prints an aligned table by default, numbers right-aligned', async () => {
  const result = await report(['avg_price_by_month', '-c', 'bitcoin,ethereum', '-e', '2021-01-31']);
  expect(result.code).toBe(0);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines[0].split(/\s+/)).toEqual(['coin_id', 'year', 'month', 'avg_usd_price', 'days']);
  expect(lines[1]).toMatch(/^-+( +-+){4}$/);
  // Every line as wide as the rule, so the numbers' right edges line up.
  for (const line of lines.slice(2)) expect(line).toHaveLength(lines[1].length);
  const expected = expectedMonths(COINS, ['2021-01']);
  expect(lines.slice(2).map((line) => line.split(/\s+/))).toEqual(
    expected.map(([coin, year, month, average, days]) => [
      coin,
      String(year),
      String(month),
      average.toFixed(2),
      String(days),
    ]),
  );
});

it('rebound_after_drops through the CLI: runs, rebounds and the market cap of the latest day', async () => {
  const result = await report(['rebound_after_drops', '--format', 'json', '-c', 'bitcoin']);
  expect(result.code).toBe(0);
  const [row] = JSON.parse(result.stdout) as Record<string, unknown>[];
  expect(Object.keys(row)).toEqual(['coin_id', 'runs', 'avg_rebound_usd', 'usd_market_cap', 'latest_date']);
  expect(row).toMatchObject({
    coin_id: 'bitcoin',
    usd_market_cap: loadCsvPrices('bitcoin').get('2021-03-31')?.marketCap,
    latest_date: '2021-03-31',
  });
  expect(typeof row.runs).toBe('number');
});

it('an unknown report, or a bad flag, is one line on stderr and exit code 2', async () => {
  const unknown = await report(['no_such_report']);
  expect(unknown.code).toBe(2);
  expect(unknown.stdout).toBe('');
  expect(unknown.stderr.trim().split('\n')).toEqual([
    'crawl: error: report "no_such_report": unknown; known reports: avg_price_by_month, rebound_after_drops (see --help)',
  ]);
  for (const args of [
    ['avg_price_by_month', '--format', 'xml'],
    ['avg_price_by_month', '-c', 'Bitcoin!'],
    ['avg_price_by_month', '-s', '2021-02-30'],
    ['../schema'],
  ]) {
    const bad = await report(args);
    expect([args, bad.code, bad.stdout, bad.stderr.trim().split('\n').length]).toEqual([args, 2, '', 1]);
  }
});

it('CSV has its header also when no row matches', async () => {
  const result = await report(['avg_price_by_month', '-c', 'dogecoin', '--format', 'csv']);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('coin_id,year,month,avg_usd_price,days\r\n');
});

it('is read only: a database with nothing stored, or a mistyped --data-dir, is a hint and exit 1, and nothing is created', async () => {
  const empty = await createTestDatabase();
  try {
    const onEmpty = await runCli(['report', 'avg_price_by_month'], { env: { DATABASE_URL: empty.url } });
    expect([onEmpty.code, onEmpty.stdout]).toEqual([1, '']);
    expect(onEmpty.stderr).toMatch(/no stored prices in Postgres at .*; crawl with --db-store first/);
    expect(
      await empty.query(`SELECT to_regclass('coingecko_scraped_data') AS t, to_regclass('migrations') AS m`),
    ).toEqual([{ t: null, m: null }]);
  } finally {
    await empty.drop();
  }

  const mistyped = join(tempDir(), 'dat');
  const onMistyped = await runCli([
    'report',
    'avg_price_by_month',
    '--data-dir',
    mistyped,
    '--format',
    'csv',
  ]);
  expect([onMistyped.code, onMistyped.stdout]).toEqual([1, '']);
  expect(onMistyped.stderr).toContain(
    `no stored prices in embedded Postgres (PGlite) in ${join(mistyped, 'db')}; crawl with --db-store first`,
  );
  expect(existsSync(mistyped)).toBe(false);
});

it('--help says that without --end-date the days have no end', async () => {
  const help = await runCli(['report', '--help']);
  expect(help.stdout).toMatch(/--end-date.*Last day, inclusive \(default: no limit\)/);
});

it('quotes CSV fields as RFC 4180 says; null is an empty field, or a blank table cell', () => {
  const rows = [
    { name: 'a,b', note: 'say "hi"', value: 1.5 },
    { name: 'two\nlines', note: null, value: null },
  ];
  expect(formatCsv(rows)).toBe('name,note,value\r\n"a,b","say ""hi""",1.5\r\n"two\nlines",,\r\n');
  expect(formatCsv([])).toBe('');
  expect(formatCsv([], ['a', 'b'])).toBe('a,b\r\n');
  expect(
    formatTable([
      { coin_id: 'x', value: 12.5 },
      { coin_id: 'longer', value: null },
    ]),
  ).toBe(['coin_id  value', '-------  -----', 'x        12.50', 'longer'].join('\n') + '\n');
  expect(formatTable([])).toBe('(0 rows)\n');
});
