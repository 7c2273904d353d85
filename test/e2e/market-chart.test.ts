/**
 * The `coingecko_market_chart` spider as a user runs it: `crawl.ts --spider coingecko_market_chart`
 * in its own process against the mock API over HTTP. Expected values come from the CoinGecko CSV
 * exports and from the `coingecko_history` spider's crawl of the same days.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const btc = loadCsvPrices('bitcoin');
const ada = loadCsvPrices('cardano');
const quiet = ['--set', 'PROGRESS_BAR=off', '--set', 'RETRY_BACKOFF_BASE=0.05'];
const rangeSpider = ['--spider', 'coingecko_market_chart'];

function crawl(args: string[], dataDir: string) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet]);
}

function requestsFor(coinId: string, since: number) {
  return mock.requests.slice(since).filter((r) => r.coinId === coinId);
}

interface FeedLine {
  coin_id: string;
  date: string;
  usd_price: number | null;
  usd_market_cap: number | null;
  usd_total_volume: number | null;
}

function readFeed(file: string): Map<string, FeedLine> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return new Map(lines.map((line) => JSON.parse(line) as FeedLine).map((item) => [item.date, item]));
}

describe('coingecko_market_chart', () => {
  it('stores the same values as coingecko_history on the same days, and the CSV values', async () => {
    const args = ['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-06-30'];
    const historyDir = tempDir();
    const rangeDir = tempDir();
    const since = mock.requests.length;
    const [history, range] = await Promise.all([
      crawl([...args, '-o', join(historyDir, 'feed.jsonl')], historyDir),
      crawl([...args, ...rangeSpider, '-o', join(rangeDir, 'feed.jsonl')], rangeDir),
    ]);
    expect([history.code, range.code]).toEqual([0, 0]);
    const rangeRequests = requestsFor('bitcoin', since).filter((r) => r.path.endsWith('/market_chart/range'));
    expect(rangeRequests).toHaveLength(1);

    const historyFiles = readDayFiles(historyDir);
    const rangeFiles = readDayFiles(rangeDir);
    expect(rangeFiles.size).toBe(181);
    expect([...rangeFiles.keys()]).toEqual([...historyFiles.keys()]);
    for (const [name, file] of rangeFiles) {
      expect([name, file.usd_price]).toEqual([name, historyFiles.get(name)?.usd_price]);
      expect(file.full_response).toMatchObject({ source: 'market_chart/range', date: file.date });
    }

    const historyFeed = readFeed(join(historyDir, 'feed.jsonl'));
    const rangeFeed = readFeed(join(rangeDir, 'feed.jsonl'));
    expect(rangeFeed.size).toBe(181);
    for (const [date, item] of rangeFeed) {
      const values = [date, item.usd_price, item.usd_market_cap, item.usd_total_volume];
      const other = historyFeed.get(date);
      expect(values).toEqual([date, other?.usd_price, other?.usd_market_cap, other?.usd_total_volume]);
      const csv = btc.get(date);
      expect(values).toEqual([date, csv?.price, csv?.marketCap, csv?.volume]);
    }
  });

  it('backfills 1,445 days of bitcoin in at most 5 requests', async () => {
    const dataDir = tempDir();
    const since = mock.requests.length;
    const result = await crawl(
      ['-c', 'bitcoin', '-s', '2019-01-01', '-e', '2022-12-15', ...rangeSpider],
      dataDir,
    );
    expect(result.code).toBe(0);
    const sent = requestsFor('bitcoin', since);
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(sent.map((r) => [r.date, r.status])).toEqual([
      ['2019-01-01', 200],
      ['2020-01-01', 200],
      ['2020-12-31', 200],
      ['2021-12-31', 200],
    ]);
    const files = readDayFiles(dataDir);
    expect(files.size).toBe(1445);
    for (const file of files.values())
      expect([file.date, file.usd_price]).toEqual([file.date, btc.get(file.date)?.price]);
    expect(result.stderr).toContain('4/4 requests succeeded, 1445 items stored, 0 failed');
  });

  it('widens a short range, keeps only its days, and then asks only for the days still missing', async () => {
    const dataDir = tempDir();
    let since = mock.requests.length;
    const first = await crawl(
      ['-c', 'bitcoin', '-s', '2021-03-01', '-e', '2021-03-10', ...rangeSpider],
      dataDir,
    );
    expect(first.code).toBe(0);
    // `date` is the request's `from`: 91 days before the last wanted day, so the API answers daily points.
    expect(requestsFor('bitcoin', since).map((r) => r.date)).toEqual(['2020-12-09']);
    let files = readDayFiles(dataDir);
    expect([...files.values()].map((f) => f.date)).toEqual([
      '2021-03-01',
      '2021-03-02',
      '2021-03-03',
      '2021-03-04',
      '2021-03-05',
      '2021-03-06',
      '2021-03-07',
      '2021-03-08',
      '2021-03-09',
      '2021-03-10',
    ]);
    for (const file of files.values()) expect(file.usd_price).toBe(btc.get(file.date)?.price);
    expect(first.stderr).toContain('bitcoin 2021-03-01..2021-03-10: HTTP 200, 10 item(s)');

    since = mock.requests.length;
    const second = await crawl(
      ['-c', 'bitcoin', '-s', '2021-02-01', '-e', '2021-03-31', ...rangeSpider],
      dataDir,
    );
    expect(second.code).toBe(0);
    // Two runs of missing days, each widened back from its own last day: never from a stored day on.
    expect(requestsFor('bitcoin', since).map((r) => r.date)).toEqual(['2020-11-29', '2020-12-30']);
    expect(second.stderr).toContain('bitcoin 2021-02-01..2021-02-28: HTTP 200, 28 item(s)');
    expect(second.stderr).toContain('bitcoin 2021-03-11..2021-03-31: HTTP 200, 21 item(s)');
    expect(second.stderr).toContain('10 items skipped, already stored');
    files = readDayFiles(dataDir);
    expect(files.size).toBe(59);
    for (const file of files.values()) expect(file.usd_price).toBe(btc.get(file.date)?.price);
  });

  it('fails an unknown coin, names it and still stores the others: exit 1', async () => {
    const dataDir = tempDir();
    const result = await crawl(
      ['-c', 'no-such-coin', 'bitcoin', '-s', '2020-01-01', '-e', '2021-01-30', ...rangeSpider],
      dataDir,
    );
    expect(result.code).toBe(1);
    const files = readDayFiles(dataDir);
    expect(files.size).toBe(396);
    expect([...files.keys()].every((name) => name.startsWith('bitcoin_'))).toBe(true);
    expect(result.stderr).toContain(
      'FAILED no-such-coin: coin not found: no-such-coin (2 requests, no-such-coin 2020-01-01..2020-12-30 .. no-such-coin 2020-12-31..2021-01-30)',
    );
  });

  it("stores the days before a coin existed with null values, and the CSV's after", async () => {
    const dataDir = tempDir();
    const result = await crawl(
      ['-c', 'cardano', '-s', '2017-10-10', '-e', '2017-10-25', ...rangeSpider],
      dataDir,
    );
    expect(result.code).toBe(0);
    const files = [...readDayFiles(dataDir).values()];
    expect(files).toHaveLength(16);
    for (const file of files) {
      const expected = file.date < '2017-10-18' ? null : ada.get(file.date)?.price;
      expect([file.date, file.usd_price]).toEqual([file.date, expected]);
      if (expected === null) expect(file.full_response).toMatchObject({ price: null, market_cap: null });
    }
    expect(files.filter((f) => f.usd_price !== null).map((f) => f.date)[0]).toBe('2017-10-18');
    expect(result.stderr).toContain('"coingecko/no_market_data_count": 8');
  });
});
