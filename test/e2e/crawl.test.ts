/**
 * Whole crawls, as a user runs them: `crawl.ts` in its own process against the mock API over HTTP.
 * Expected values come from the CoinGecko CSV exports, read independently of the mock's payloads.
 */
import { existsSync, readFileSync } from 'node:fs';
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

function crawl(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], { env });
}

function requestsFor(coinId: string, since: number) {
  return mock.requests.slice(since).filter((r) => r.coinId === coinId);
}

describe('a crawl to JSON files', () => {
  it("stores bitcoin 2017-12-15..2017-12-30 with the original's flag spellings: 16 files, CSV prices, exit 0", async () => {
    const dataDir = tempDir();
    const result = await crawl(
      [
        '--coin_id',
        'bitcoin',
        '--start_date',
        '2017-12-15',
        '--end_date',
        '2017-12-30',
        '--db_store',
        'True',
      ],
      dataDir,
    );
    expect(result.code).toBe(0);
    const files = readDayFiles(dataDir);
    expect(files.size).toBe(16);
    for (const [name, file] of files) {
      expect(name).toBe(`bitcoin_${file.date}.json`);
      expect(file.usd_price).toBe(btc.get(file.date)?.price);
    }
    expect(files.get('bitcoin_2017-12-30.json')?.usd_price).toBe(13620.3618741461);
  });

  it('stores 30 days with the prices of the CSV, logs each day and dumps the stats', async () => {
    const dataDir = tempDir();
    const result = await crawl(['-c', 'bitcoin', '-s', '2021-03-03', '-e', '2021-04-01'], dataDir);
    expect(result.code).toBe(0);
    const files = readDayFiles(dataDir);
    expect(files.size).toBe(30);
    expect([...files.values()].map((f) => [f.date, f.usd_price])).toEqual(
      [...files.values()].map((f) => [f.date, btc.get(f.date)?.price]),
    );
    expect(files.get('bitcoin_2021-04-01.json')?.usd_price).toBe(58817.3738884188);
    expect(result.stderr.match(/\] bitcoin 2021-\d\d-\d\d: HTTP 200, 1 item\(s\)/g)).toHaveLength(30);
    expect(result.stderr).toContain('[30/30 100%');
    expect(result.stderr).toContain('"item_scraped_count": 30');
    expect(result.stderr).toContain('"downloader/response_status_count/200": 30');
    expect(result.stderr).toContain('30/30 requests succeeded, 30 items stored, 0 failed');
  });

  it("crosses a coin's first day: days before it are stored with a null price and counted", async () => {
    const dataDir = tempDir();
    const result = await crawl(['-c', 'cardano', '-s', '2017-10-15', '-e', '2017-10-20'], dataDir);
    expect(result.code).toBe(0);
    const files = readDayFiles(dataDir);
    expect([...files.values()].map((f) => [f.date, f.usd_price])).toEqual([
      ['2017-10-15', null],
      ['2017-10-16', null],
      ['2017-10-17', null],
      ['2017-10-18', ada.get('2017-10-18')?.price],
      ['2017-10-19', ada.get('2017-10-19')?.price],
      ['2017-10-20', ada.get('2017-10-20')?.price],
    ]);
    expect(files.get('cardano_2017-10-15.json')?.full_response).not.toHaveProperty('market_data');
    expect(result.stderr).toContain('"coingecko/no_market_data_count": 3');
  });

  it('crawls several coins in one run and writes a JSON Lines feed with -o', async () => {
    const dataDir = tempDir();
    const feed = join(dataDir, 'items.jsonl');
    const result = await crawl(
      ['-c', 'bitcoin,ethereum', 'cardano', '-s', '2021-01-01', '-e', '2021-01-03', '-o', feed],
      dataDir,
    );
    expect(result.code).toBe(0);
    expect(readDayFiles(dataDir).size).toBe(9);
    const lines = readFileSync(feed, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(9);
    const ethereum = lines.find((l) => l.coin_id === 'ethereum' && l.date === '2021-01-01');
    expect(ethereum.usd_price).toBe(738.6169381520413);
    expect(typeof ethereum.usd_market_cap).toBe('number');
  });
});

describe('failures', () => {
  it('fails an unknown coin at once, without retries, names it, and still stores the others: exit 1', async () => {
    const dataDir = tempDir();
    const since = mock.requests.length;
    const result = await crawl(
      ['-c', 'no-such-coin', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-30', '--concurrency', '2'],
      dataDir,
    );
    expect(result.code).toBe(1);
    const files = readDayFiles(dataDir);
    expect(files.size).toBe(30);
    expect([...files.keys()].every((name) => name.startsWith('bitcoin_'))).toBe(true);
    // Only the requests already in flight when the first 404 came back were sent.
    expect(requestsFor('no-such-coin', since).length).toBeLessThanOrEqual(2);
    expect(result.stderr).toContain(
      'FAILED no-such-coin: coin not found: no-such-coin (30 requests, no-such-coin 2021-01-01 .. no-such-coin 2021-01-30)',
    );
    expect(result.stderr).toContain('30/60 requests succeeded');
  });

  it('retries a 5xx and succeeds: exit 0, every day stored', async () => {
    const dataDir = tempDir();
    const since = mock.requests.length;
    mock.failNext(3, 503);
    const result = await crawl(
      ['-c', 'ethereum', '-s', '2021-02-01', '-e', '2021-02-05', '--concurrency', '1'],
      dataDir,
    );
    expect(result.code).toBe(0);
    expect(readDayFiles(dataDir).size).toBe(5);
    expect(mock.requests.slice(since).map((r) => r.status)).toEqual([503, 503, 503, 200, 200, 200, 200, 200]);
    expect(result.stderr).toContain('"retry/count": 3');
    expect(result.stderr).toContain('"retry/reason_count/503": 3');
  });

  it('retries resets, truncated bodies and timeouts', async () => {
    const dataDir = tempDir();
    mock.configure({ hangMs: 5000 });
    mock.failNext(1, 'reset');
    mock.failNext(1, 'truncated');
    mock.failNext(1, 'hang');
    const result = await crawl(
      [
        '-c',
        'ethereum',
        '-s',
        '2021-02-01',
        '-e',
        '2021-02-03',
        '--concurrency',
        '1',
        '--set',
        'DOWNLOAD_TIMEOUT=1',
      ],
      dataDir,
    );
    expect(result.code).toBe(0);
    const files = readDayFiles(dataDir);
    expect([...files.values()].map((f) => f.usd_price)).toEqual(
      ['2021-02-01', '2021-02-02', '2021-02-03'].map((d) => loadCsvPrices('ethereum').get(d)?.price),
    );
    expect(result.stderr).toContain('"retry/count": 3');
    expect(result.stderr).toMatch(/"retry\/reason_count\/timeout": 1/);
  });

  it('gives up after RETRY_TIMES, names the day and exits 1', async () => {
    const dataDir = tempDir();
    mock.failNext(3, 500);
    const result = await crawl(['-c', 'bitcoin', '-s', '2021-02-01', '--set', 'RETRY_TIMES=2'], dataDir);
    expect(result.code).toBe(1);
    expect(readDayFiles(dataDir).size).toBe(0);
    expect(result.stderr).toContain('FAILED bitcoin 2021-02-01: HTTP 500 (gave up after 2 retries)');
  });

  it('does not retry other 4xx answers', async () => {
    const dataDir = tempDir();
    const since = mock.requests.length;
    mock.failNext(1, 403);
    const result = await crawl(['-c', 'bitcoin', '-s', '2021-02-01'], dataDir);
    expect(result.code).toBe(1);
    expect(mock.requests.length - since).toBe(1);
  });

  it('fails days older than 365 days on a free plan with what to do', async () => {
    mock.configure({ plan: 'public', today: '2024-12-20' });
    const dataDir = tempDir();
    const result = await crawl(['-c', 'bitcoin', '-s', '2023-12-19', '-e', '2023-12-22'], dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'dates older than 365 days need a paid API key; set COINGECKO_API_KEY and COINGECKO_API_PLAN=pro',
    );
    expect([...readDayFiles(dataDir).values()].map((f) => f.date)).toEqual(['2023-12-21', '2023-12-22']);
  });
});

describe('rate limits', () => {
  it('waits out retry-after on 429 and stores every day, never a rate-limit body', async () => {
    for (const form of ['json', 'cloudflare', 'status200'] as const) {
      mock.configure({ rateLimit: { limit: 4, windowMs: 1000, form } });
      const dataDir = tempDir();
      const result = await crawl(['-c', 'bitcoin', '-s', '2021-05-01', '-e', '2021-05-08'], dataDir);
      const files = readDayFiles(dataDir);
      expect([form, result.code, files.size]).toEqual([form, 0, 8]);
      for (const file of files.values()) expect(file.usd_price).toBe(btc.get(file.date)?.price);
      expect(result.stderr).toMatch(/"ratelimit\/429_count": [1-9]/);
    }
  });
});

describe('API keys', () => {
  const secret = 'CG-test-secret-key-123';

  it('sends the demo key in its header and never prints or writes it', async () => {
    // The demo plan serves only the last 365 days: pretend it is mid-2021.
    mock.configure({ plan: 'demo', apiKey: secret, today: '2021-06-01' });
    const dataDir = tempDir();
    const logFile = join(dataDir, 'crawl.log');
    const since = mock.requests.length;
    const result = await crawl(
      ['-c', 'bitcoin', '-s', '2021-05-01', '-e', '2021-05-02', '--log-level', 'debug'],
      dataDir,
      {
        COINGECKO_API_KEY: secret,
        COINGECKO_API_PLAN: 'demo',
        LOG_FILE: logFile,
      },
    );
    expect(result.code).toBe(0);
    expect(mock.requests.slice(since).map((r) => r.headers['x-cg-demo-api-key'])).toEqual([secret, secret]);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(readFileSync(logFile, 'utf8')).toContain('bitcoin 2021-05-01: HTTP 200');
    expect(readFileSync(logFile, 'utf8')).not.toContain(secret);
    for (const file of readDayFiles(dataDir).values()) expect(JSON.stringify(file)).not.toContain(secret);
  });

  it('stops the whole crawl when the key is refused', async () => {
    mock.configure({ plan: 'demo', apiKey: secret });
    const dataDir = tempDir();
    const since = mock.requests.length;
    const result = await crawl(
      ['-c', 'bitcoin', '-s', '2021-05-01', '-e', '2021-05-20', '--concurrency', '1'],
      dataDir,
      {
        COINGECKO_API_KEY: 'wrong-key',
        COINGECKO_API_PLAN: 'demo',
      },
    );
    expect(result.code).toBe(1);
    expect(mock.requests.length - since).toBe(1);
    expect(result.stderr).toContain(
      'API key missing or rejected; check COINGECKO_API_KEY and COINGECKO_API_PLAN',
    );
    expect(result.stderr).not.toContain('wrong-key');
    expect(existsSync(join(dataDir, 'raw', 'bitcoin_2021-05-01.json'))).toBe(false);
  });
});
