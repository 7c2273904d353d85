/**
 * Bad input: exit code 2, one line on stderr naming the flag and the value, no request sent, nothing written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MockApi, startMockApi } from '../mock-api/server';
import { runCli, tempDir } from '../helpers/cli';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());

const ok = ['--coin-id', 'bitcoin', '--start-date', '2021-04-01'];

const CASES: [string, string[], string][] = [
  [
    'a date not in YYYY-MM-DD',
    ['-c', 'bitcoin', '-s', '2021/04/01'],
    '--start-date "2021/04/01": not a real date in YYYY-MM-DD',
  ],
  [
    'a day that does not exist',
    ['-c', 'bitcoin', '-s', '2021-02-30'],
    '--start-date "2021-02-30": not a real date',
  ],
  [
    'a bad end date',
    ['-c', 'bitcoin', '-s', '2021-02-01', '-e', '01-03-2021'],
    '--end-date "01-03-2021": not a real date',
  ],
  [
    'an end before the start',
    ['-c', 'bitcoin', '-s', '2021-02-01', '-e', '2021-01-31'],
    '--end-date 2021-01-31 is before --start-date 2021-02-01',
  ],
  [
    'a date after today',
    ['-c', 'bitcoin', '-s', '2021-02-01', '-e', '2999-01-01'],
    '--end-date 2999-01-01 is after today',
  ],
  ['an id with capitals', ['-c', 'Bitcoin', '-s', '2021-02-01'], '--coin-id "Bitcoin": not a CoinGecko id'],
  [
    'an id with a slash',
    ['-c', 'bitcoin,../etc', '-s', '2021-02-01'],
    '--coin-id "../etc": not a CoinGecko id',
  ],
  ['a missing coin id', ['-s', '2021-02-01'], 'Missing required argument: coin-id'],
  ['an unknown setting', [...ok, '--set', 'NOPE=1'], '--set NOPE: unknown setting'],
  [
    'a bad setting value',
    [...ok, '--set', 'RETRY_TIMES=many'],
    '--set RETRY_TIMES: invalid value "many" for RETRY_TIMES',
  ],
  ['an unknown pipeline', [...ok, '--set', 'ITEM_PIPELINES.zzz=5'], 'ITEM_PIPELINES: unknown pipeline "zzz"'],
  [
    'a zero concurrency',
    [...ok, '--concurrency', '0'],
    '--concurrency: invalid value "0" for CONCURRENT_REQUESTS',
  ],
  ['a bad rate limit', [...ok, '--rate-limit', 'fast'], '--rate-limit: invalid value "fast" for RATE_LIMIT'],
  [
    'a bad --db-store value',
    [...ok, '--db-store', 'maybe'],
    '--db-store "maybe": expected no value, or true/false',
  ],
  [
    'an unknown spider',
    [...ok, '--spider', 'nope'],
    '--spider "nope": unknown spider (known: coingecko_history',
  ],
  ['an unknown flag', [...ok, '--frobnicate'], 'Unknown argument: frobnicate'],
  [
    'a bad API URL',
    ['-c', 'bitcoin', '-s', '2021-04-01', '--api-url', 'ftp://x'],
    '--api-url: invalid value "ftp://x" for API_URL',
  ],
];

describe('crawl.ts refuses bad input', () => {
  it.each(CASES)('%s', async (_name, args, message) => {
    const dataDir = join(tempDir(), 'data');
    const before = mock.requests.length;
    const apiUrl = args.includes('--api-url') ? [] : ['--api-url', mock.url];
    const result = await runCli([...args, ...apiUrl, '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(result.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
    expect(mock.requests.length).toBe(before);
  });

  it('refuses a bad value from the environment the same way', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await runCli([...ok, '--api-url', mock.url, '--data-dir', dataDir], {
      env: { COINGECKO_API_PLAN: 'gold' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'crawl: error: environment variable COINGECKO_API_PLAN: invalid value "gold" for API_PLAN: expected one of public, demo, pro (see --help)',
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('crawl.ts list and --help', () => {
  it('lists the spiders', async () => {
    const result = await runCli(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^coingecko_history\s+USD price/m);
  });

  it('documents every crawl flag with examples', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--coin-id',
      '--start-date',
      '--end-date',
      '--db-store',
      '--api-url',
      '--data-dir',
      '--job-dir',
      '--concurrency',
      '--rate-limit',
      '--set',
      '--output',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('Examples:');
  });
});
