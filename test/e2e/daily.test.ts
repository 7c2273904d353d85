/**
 * `crawl.ts daily`, the crontab path: the day and its catch-up window for the daily coins, to files
 * and the real Postgres, and nothing sent when run again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';

let mock: MockApi;
let db: TestDatabase;
beforeAll(async () => {
  mock = await startMockApi();
  db = await createTestDatabase();
});
afterAll(async () => {
  await mock.close();
  await db.drop();
});

function daily(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return runCli(
    ['daily', ...args, '--api-url', mock.url, '--data-dir', dataDir, '--set', 'PROGRESS_BAR=off'],
    {
      env: { DATABASE_URL: db.url, ...env },
    },
  );
}

test('daily stores the day and the missing days before it for the three coins, then has nothing to do', async () => {
  const dataDir = tempDir();
  const logFile = join(dataDir, 'logs', 'daily.log');
  // A day already stored (file and row) inside the window is not fetched again.
  const earlier = [
    '-c',
    'cardano',
    '-s',
    '2024-05-28',
    '--db-store',
    '--api-url',
    mock.url,
    '--data-dir',
    dataDir,
  ];
  expect(await runCli(earlier, { env: { DATABASE_URL: db.url } })).toMatchObject({ code: 0 });
  const before = mock.requests.length;

  const first = await daily(['--date', '2024-06-01', '--log-file', logFile], dataDir);
  expect(first.code).toBe(0);
  expect(mock.requests.length - before).toBe(3 * 7 - 1);
  const rows = await db.query<{ coin_id: string; date: string; usd_price: number }>(
    `SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price FROM coingecko_scraped_data ORDER BY coin_id, date`,
  );
  expect(rows).toHaveLength(21);
  for (const row of rows) expect(row.usd_price).toBe(loadCsvPrices(row.coin_id).get(row.date)?.price);
  expect(rows.filter((row) => row.coin_id === 'bitcoin').map((row) => row.date)).toEqual([
    '2024-05-26',
    '2024-05-27',
    '2024-05-28',
    '2024-05-29',
    '2024-05-30',
    '2024-05-31',
    '2024-06-01',
  ]);
  expect(readDayFiles(dataDir).size).toBe(21);
  expect(existsSync(logFile)).toBe(true);
  expect(readFileSync(logFile, 'utf8')).toContain(
    'daily job for 2024-06-01: bitcoin, ethereum, cardano, days 2024-05-26..2024-06-01',
  );

  const again = await daily(['--date', '2024-06-01'], dataDir);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('21 items skipped, already stored');
});

test('daily takes its coins and window from the settings, or from --coin-id', async () => {
  const dataDir = tempDir();
  const before = mock.requests.length;
  const result = await daily(['--date', '2023-01-02', '--db-store', 'false'], dataDir, {
    DAILY_COINS: 'ethereum',
    DAILY_CATCHUP_DAYS: '2',
  });
  expect(result.code).toBe(0);
  expect([...readDayFiles(dataDir).keys()].sort()).toEqual([
    'ethereum_2023-01-01.json',
    'ethereum_2023-01-02.json',
  ]);
  expect(
    mock.requests
      .slice(before)
      .map((r) => `${r.coinId} ${r.date}`)
      .sort(),
  ).toEqual(['ethereum 2023-01-01', 'ethereum 2023-01-02']);
  const flagged = await daily(['--date', '2023-01-02', '-c', 'bitcoin', '--db-store', 'false'], dataDir, {
    DAILY_COINS: 'ethereum',
    DAILY_CATCHUP_DAYS: '1',
  });
  expect(flagged.code).toBe(0);
  expect(readDayFiles(dataDir).has('bitcoin_2023-01-02.json')).toBe(true);
});
