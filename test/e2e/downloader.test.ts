/**
 * The downloader as a user meets it, through crawl.ts in its own process: the HTTP cache (a crawl
 * again with --force sends nothing and writes the same files; 5xx answers and the API key are never
 * cached), a downloader middleware of one's own enabled by settings (the catalogue example's
 * `sign-requests`), and the `fetch` and `parse` commands, which go through the same middlewares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogueApi, startCatalogueApi } from '../fixtures/catalogue-api/server';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';
import { signature } from '../../src/spiders/examples/catalogue/sign-requests-middleware';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const quiet = ['--set', 'PROGRESS_BAR=off', '--set', 'RETRY_BACKOFF_BASE=0.01'];
const secret = 'cg-secret-key-for-the-cache-test';

function crawl(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], { env });
}

/** Every file under `dir`, recursively, as [relative path, text]. */
function filesUnder(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path.slice(dir.length + 1), readFileSync(path, 'utf8')] as [string, string];
    })
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('HTTPCACHE_ENABLED', () => {
  it('answers the same crawl again with --force from the cache: zero requests, the same files; 5xx and the key never cached', async () => {
    // A demo key (so a key header is sent) and one answer in two a 503, retried.
    mock.configure({ plan: 'demo', apiKey: secret, today: '2021-06-01', faults: { seed: 3, error5xx: 0.5 } });
    const env = { COINGECKO_API_KEY: secret, COINGECKO_API_PLAN: 'demo', CRAWLER_HTTPCACHE_ENABLED: 'true' };
    const dataDir = tempDir();
    const cacheDir = join(dataDir, 'httpcache');
    const args = ['-c', 'bitcoin', '-s', '2021-05-01', '-e', '2021-05-06', '--log-level', 'debug'];

    const since = mock.requests.length;
    const first = await crawl(args, dataDir, env);
    expect(first.code).toBe(0);
    const sent = mock.requests.slice(since);
    expect(sent.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(first.stderr).toContain('"httpcache/miss": ');
    expect(first.stderr).toContain('"httpcache/store": 6');
    const filesBefore = readDayFiles(dataDir);
    expect(filesBefore.size).toBe(6);

    // One entry per day, each a 200: the 503s were not kept; the key is nowhere in the cache.
    const entries = filesUnder(cacheDir);
    expect(entries).toHaveLength(6);
    for (const [path, text] of entries) {
      expect(path).toMatch(/^coingecko_history\/[0-9a-f]{2}\/[0-9a-f]{40}\.json$/);
      expect((JSON.parse(text) as { status: number }).status).toBe(200);
      expect(text).not.toContain(secret);
    }

    const again = mock.requests.length;
    const second = await crawl([...args, '--force'], dataDir, env);
    expect(second.code).toBe(0);
    expect(mock.requests.length - again).toBe(0);
    expect(second.stderr).toContain('"httpcache/hit": 6');
    expect(second.stderr).not.toContain(secret);
    expect(readDayFiles(dataDir)).toEqual(filesBefore);
    expect(filesUnder(cacheDir)).toEqual(entries);
  });
});

describe('a downloader middleware of your own', () => {
  let api: CatalogueApi;
  afterEach(() => api?.close());

  it("sign-requests, the catalogue example's, signs every request once DOWNLOADER_MIDDLEWARES turns it on", async () => {
    api = await startCatalogueApi();
    const dataDir = tempDir();
    const key = 'catalogue-signing-key-0123456789';
    const result = await runCli(
      [
        '--spider',
        'catalogue_example',
        '-a',
        `base=${api.url}`,
        '--data-dir',
        dataDir,
        '--set',
        'DOWNLOADER_MIDDLEWARES.sign-requests=500',
        '--log-level',
        'debug',
        ...quiet,
      ],
      { env: { CRAWLER_CATALOGUE_SIGNING_KEY: key } },
    );
    expect(result.code).toBe(0);
    expect(api.requests).toHaveLength(25);
    for (const request of api.requests)
      expect(request.headers['x-signature']).toBe(signature(key, request.method, request.path));
    expect(result.stderr).toContain('downloader middlewares default-headers > sign-requests > retry');
    expect(result.stderr).not.toContain(key);
  });

  it('is off unless enabled, and an unknown name is bad usage with nothing sent', async () => {
    api = await startCatalogueApi();
    const dataDir = tempDir();
    const base = ['--spider', 'catalogue_example', '-a', `base=${api.url}`, '--data-dir', dataDir, ...quiet];
    const off = await runCli(base);
    expect(off.code).toBe(0);
    expect(api.requests.every((request) => request.headers['x-signature'] === undefined)).toBe(true);

    const sent = api.requests.length;
    const unknown = await runCli([...base, '--set', 'DOWNLOADER_MIDDLEWARES.sign-everything=500']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        'DOWNLOADER_MIDDLEWARES: unknown middleware "sign-everything" (known: default-headers',
      ),
    ]);
    expect(api.requests.length).toBe(sent);
  });
});

describe('fetch and parse', () => {
  const day = (date: string) => `${mock.url}/coins/bitcoin/history?date=${date}&localization=false`;

  it('fetch prints the body, with the key header sent; --headers the status and headers; the cache answers it again', async () => {
    mock.configure({ plan: 'demo', apiKey: secret, today: '2021-06-01' });
    const dataDir = tempDir();
    const env = { COINGECKO_API_KEY: secret, COINGECKO_API_PLAN: 'demo' };
    const since = mock.requests.length;
    const body = await runCli(
      ['fetch', day('01-05-2021'), '--data-dir', dataDir, '--set', 'HTTPCACHE_ENABLED=true'],
      {
        env,
      },
    );
    expect(body.code).toBe(0);
    expect(JSON.parse(body.stdout)).toMatchObject({ id: 'bitcoin' });
    expect(mock.requests.slice(since).map((r) => r.headers['x-cg-demo-api-key'])).toEqual([secret]);

    const cached = mock.requests.length;
    const headers = await runCli(
      ['fetch', '--headers', day('01-05-2021'), '--data-dir', dataDir, '--set', 'HTTPCACHE_ENABLED=true'],
      { env },
    );
    expect(headers.code).toBe(0);
    expect(headers.stdout.split('\n')[0]).toBe('HTTP 200');
    expect(headers.stdout).toMatch(/^content-type: application\/json/m);
    expect(mock.requests.length).toBe(cached);
    expect(body.stderr + headers.stderr + headers.stdout).not.toContain(secret);
  });

  it("parse prints the callback's items as JSON; a bad URL is one line and exit 2", async () => {
    const result = await runCli([
      'parse',
      day('15-12-2017'),
      '--spider',
      'coingecko_history',
      '--meta',
      '{"coinId":"bitcoin","date":"2017-12-15"}',
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      status: number;
      items: { usd_price: number }[];
      requests: [];
    };
    expect(printed.status).toBe(200);
    expect(printed.items).toHaveLength(1);
    expect(printed.items[0]).toMatchObject({
      coin_id: 'bitcoin',
      date: '2017-12-15',
      usd_price: loadCsvPrices('bitcoin').get('2017-12-15')?.price,
    });
    expect(printed.requests).toEqual([]);

    const bad = await runCli(['fetch', 'not-a-url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('URL "not-a-url"')]);
  });
});
