/**
 * `crawl.ts plot` on a database filled by a real crawl: PNG and SVG files that hold the data points.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';
import { runCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';

let mock: MockApi;
let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  mock = await startMockApi();
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const crawl = await runCli(
    [
      '-c',
      'bitcoin',
      'ethereum',
      'cardano',
      '-s',
      '2021-08-20',
      '-e',
      '2021-09-30',
      '-d',
      '--api-url',
      mock.url,
    ],
    { env: { ...env, DATA_DIR: tempDir() } },
  );
  expect(crawl.code).toBe(0);
});
afterAll(async () => {
  await mock.close();
  await db.drop();
});

/** The (coin, day, price) of every point the SVG labels for screen readers. */
function labelledPoints(svg: string): Set<string> {
  const points = new Set<string>();
  for (const [, coin, day, price] of svg.matchAll(
    /coin: ([a-z-]+); day: (\d{4}-\d\d-\d\d); usd_price: ([\d.e+-]+)/g,
  )) {
    points.add(`${coin} ${day} ${Number(price).toPrecision(8)}`);
  }
  return points;
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

it('draws the last 30 stored days of the three coins, and their monthly min/max, as PNG and SVG', async () => {
  const outDir = tempDir();
  const result = await runCli(['plot', '--out-dir', outDir], { env });
  expect(result.code).toBe(0);
  const files = ['price_last_30_days', 'price_monthly_min_max'].flatMap((name) =>
    ['svg', 'png'].map((ext) => join(outDir, `${name}.${ext}`)),
  );
  expect(result.stdout.trim().split('\n').sort()).toEqual(files.sort());

  const svg = readFileSync(join(outDir, 'price_last_30_days.svg'), 'utf8');
  expect(svg).toContain('USD price, last 30 stored days');
  expect(svg).toContain('date (UTC)');
  const expected = new Set<string>();
  for (const coin of ['bitcoin', 'ethereum', 'cardano']) {
    for (let day = 1; day <= 30; day++) {
      const date = `2021-09-${String(day).padStart(2, '0')}`;
      expected.add(`${coin} ${date} ${(loadCsvPrices(coin).get(date)?.price as number).toPrecision(8)}`);
    }
  }
  expect(labelledPoints(svg)).toEqual(expected);
  const { width, height } = pngSize(readFileSync(join(outDir, 'price_last_30_days.png')));
  expect(width).toBeGreaterThan(800);
  expect(height).toBeGreaterThan(600);

  const monthly = readFileSync(join(outDir, 'price_monthly_min_max.svg'), 'utf8');
  const augustBitcoin = [...loadCsvPrices('bitcoin')].filter(([d]) => d >= '2021-08-20' && d <= '2021-08-31');
  const min = Math.min(...augustBitcoin.map(([, row]) => row.price as number));
  expect(monthly).toContain(`month (UTC): Aug 2021; USD: ${Number(min.toPrecision(12))}`);
  expect(monthly.match(/month \(UTC\): (Aug|Sep) 2021;/g)).toHaveLength(6);
  pngSize(readFileSync(join(outDir, 'price_monthly_min_max.png')));
});

it('charts the chosen coins and days only', async () => {
  const outDir = tempDir();
  const result = await runCli(['plot', '-c', 'ethereum', '--days', '7', '--out-dir', outDir], { env });
  expect(result.code).toBe(0);
  const points = labelledPoints(readFileSync(join(outDir, 'price_last_7_days.svg'), 'utf8'));
  expect([...points].map((p) => p.split(' ').slice(0, 2).join(' '))).toEqual(
    ['24', '25', '26', '27', '28', '29', '30'].map((d) => `ethereum 2021-09-${d}`),
  );
});

it('says so when there is nothing to chart, and refuses a bad --days', async () => {
  const empty = await runCli(['plot', '-c', 'dogecoin', '--out-dir', tempDir()], { env });
  expect(empty.code).toBe(1);
  expect(empty.stderr).toContain('no stored prices for dogecoin');
  const bad = await runCli(['plot', '--days', '1'], { env });
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toBe('crawl: error: --days 1: expected a whole number >= 2 (see --help)');
});
