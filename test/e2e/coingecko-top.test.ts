/**
 * `coingecko_top` as a user runs it: the top N coins by market cap from `/coins/markets` (paged, 250
 * a page), then each coin's days through `/history` or `/market_chart/range`, into the same day files
 * as the other coin spiders. Against the mock API, which lists 600 coins.
 */
import { addDays, todayUtc } from '../../src/util/dates';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const quiet = ['--set', 'PROGRESS_BAR=off', '--set', 'RETRY_BACKOFF_BASE=0.05'];

function crawl(args: string[], dataDir: string) {
  return runCli([
    '--spider',
    'coingecko_top',
    ...args,
    '--api-url',
    mock.url,
    '--data-dir',
    dataDir,
    ...quiet,
  ]);
}

/** How many pages of the ranking were asked for. */
const marketsPages = (since: number) =>
  mock.requests.slice(since).filter((r) => r.path.includes('/coins/markets')).length;

test('the top 3 coins over two days, through /history: the same day files as coingecko_history', async () => {
  const dataDir = tempDir();
  const since = mock.requests.length;
  const result = await crawl(['-a', 'top=3', '-s', '2021-04-01', '-e', '2021-04-02'], dataDir);
  expect(result.code).toBe(0);
  const files = readDayFiles(dataDir);
  expect([...files.keys()]).toEqual([
    'bitcoin_2021-04-01.json',
    'bitcoin_2021-04-02.json',
    'cardano_2021-04-01.json',
    'cardano_2021-04-02.json',
    'ethereum_2021-04-01.json',
    'ethereum_2021-04-02.json',
  ]);
  expect(files.get('bitcoin_2021-04-01.json')?.usd_price).toBe(
    loadCsvPrices('bitcoin').get('2021-04-01')?.price,
  );
  expect(marketsPages(since)).toBe(1);
  expect(result.stderr).toContain('7/7 requests succeeded, 6 items stored, 0 failed');

  // Again: the ranking is read, the stored days are not asked for.
  const again = await crawl(['-a', 'top=3', '-s', '2021-04-01', '-e', '2021-04-02'], dataDir);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('1/1 requests succeeded, 0 items stored, 0 failed; 6 items skipped');
});

test('more coins than a page holds: two pages of the ranking, a market-chart request per coin', async () => {
  const dataDir = tempDir();
  const since = mock.requests.length;
  const end = addDays(todayUtc(), -2);
  const start = addDays(end, -2);
  const result = await crawl(
    ['-a', 'top=260', '-a', 'endpoint=market_chart', '-s', start, '-e', end],
    dataDir,
  );
  expect(result.code).toBe(0);
  expect(marketsPages(since)).toBe(2);
  const files = readDayFiles(dataDir);
  const coins = new Set([...files.values()].map((file) => file.coin_id));
  expect(coins.size).toBe(260);
  expect(files.size).toBe(260 * 3);
  expect(coins.has('gen-coin-0256')).toBe(true);
  expect(coins.has('gen-coin-0257')).toBe(false);
  // The generated coins trade every day (the CSV coins' exports end in 2024: no data, null prices).
  const generated = [...files.values()].filter((file) => file.coin_id.startsWith('gen-coin-'));
  expect(generated).toHaveLength(256 * 3);
  expect(generated.every((file) => typeof file.usd_price === 'number' && file.usd_price > 0)).toBe(true);
  const ranges = mock.requests.slice(since).filter((r) => r.path.includes('/market_chart/range'));
  expect(ranges).toHaveLength(260);
  expect(result.stderr).toContain('262/262 requests succeeded, 780 items stored, 0 failed');
}, 120_000);

test('bad arguments are refused in one line', async () => {
  const dataDir = tempDir();
  const bad = await crawl(['-a', 'top=0', '-s', '2021-04-01'], dataDir);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toBe('crawl: error: -a top "0": expected a whole number >= 1 (see --help)');
  const endpoint = await crawl(['-a', 'endpoint=daily', '-s', '2021-04-01'], dataDir);
  expect(endpoint.stderr).toContain('-a endpoint "daily": expected one of history, market_chart');
  const missing = await crawl(['-a', 'top=5'], dataDir);
  expect(missing.stderr).toContain('Missing required argument: start-date');
});
