/**
 * Feeds through the CLI, as a user runs them: `-o` / `-O` in each format against the mock API and the
 * catalogue API, read back as the next tool would read them; a bad feed is exit 2 before any request,
 * and a crawl that did not finish says its feeds are incomplete.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CatalogueApi, PRODUCTS, startCatalogueApi } from '../fixtures/catalogue-api/server';
import { runCli, spawnCli, tempDir } from '../helpers/cli';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const btc = loadCsvPrices('bitcoin');
const quiet = ['--set', 'PROGRESS_BAR=off', '--set', 'RETRY_BACKOFF_BASE=0.05'];
const days = ['2021-01-01', '2021-01-02', '2021-01-03'];

function crawl(args: string[], dataDir: string) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet]);
}

it('-o items.csv, -O items.json and -o FILE:jsonl in one crawl: each a valid file of every item', async () => {
  const dataDir = tempDir();
  const out = join(dataDir, 'out');
  const result = await crawl(
    [
      ...['-c', 'bitcoin', '-s', days[0], '-e', days[2]],
      ...['-o', join(out, 'items.csv'), '-O', join(out, 'items.json'), '-o', join(out, '%(name)s.txt:jsonl')],
    ],
    dataDir,
  );
  expect(result.code).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['coingecko_history.txt', 'items.csv', 'items.json']);

  // Items come in the order their answers do (requests run concurrently): compared by day.
  const csv = readFileSync(join(out, 'items.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('coin_id,date,usd_price,usd_market_cap,usd_total_volume,full_response');
  expect(
    csv
      .slice(1)
      .map((line) => line.split(',').slice(0, 3))
      .sort(),
  ).toEqual(days.map((day) => ['bitcoin', day, String(btc.get(day)?.price)]));
  const json = JSON.parse(readFileSync(join(out, 'items.json'), 'utf8')) as Record<string, unknown>[];
  expect(json.map((item) => [item.date, item.usd_price]).sort()).toEqual(
    days.map((day) => [day, btc.get(day)?.price]),
  );
  const lines = readFileSync(join(out, 'coingecko_history.txt'), 'utf8').trim().split('\n');
  expect(lines.map((line) => JSON.parse(line))).toEqual(json);
  expect(result.stderr).toContain(`feed written: ${join(out, 'items.json')} (3 item(s), json)`);
  expect(result.stderr).toContain('"feedexport/success_count": 3');
});

it("a spider's own items: the catalogue's products as CSV, in the item type's fields", async () => {
  const api: CatalogueApi = await startCatalogueApi();
  try {
    const dataDir = tempDir();
    const feed = join(dataDir, 'products.csv');
    const result = await runCli([
      '--spider',
      'catalogue_example',
      '-a',
      `base=${api.url}`,
      '--data-dir',
      dataDir,
      '-O',
      feed,
      ...quiet,
    ]);
    expect(result.code).toBe(0);
    const rows = readFileSync(feed, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,title,category,price,currency,stock,updated,url');
    const inStock = PRODUCTS.filter((product) => Number(product.stock) > 0);
    expect(
      rows
        .slice(1)
        .map((row) => row.split(',')[0])
        .sort(),
    ).toEqual(inStock.map((p) => p.id).sort());
    expect(rows).toContain(
      [
        inStock[0].id,
        inStock[0].title,
        inStock[0].category,
        inStock[0].price,
        'EUR',
        inStock[0].stock,
        inStock[0].updated,
        `${api.url}/products/${inStock[0].id}`,
      ]
        .map((cell) => (/[",\n]/.test(String(cell)) ? `"${String(cell).replace(/"/g, '""')}"` : String(cell)))
        .join(','),
    );
  } finally {
    await api.close();
  }
});

it('a feed of unknown format is exit 2, one line, before any request, and nothing is written', async () => {
  const dataDir = tempDir();
  const sent = mock.requests.length;
  const result = await crawl(['-c', 'bitcoin', '-s', days[0], '-o', join(dataDir, 'items.txt')], dataDir);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([
    `crawl: error: -o "${join(dataDir, 'items.txt')}": unknown feed format "txt"; use jsonl, json, csv as the extension or after a colon (FILE:FORMAT) (see --help)`,
  ]);
  expect(mock.requests.length).toBe(sent);
  expect(readdirSync(dataDir)).toEqual([]);
});

it('a crawl with a failed coin writes its feed whole, and says it is incomplete', async () => {
  const dataDir = tempDir();
  const feed = join(dataDir, 'items.json');
  const result = await crawl(['-c', 'bitcoin', 'no-such-coin', '-s', days[0], '-O', feed], dataDir);
  expect(result.code).toBe(1);
  expect(JSON.parse(readFileSync(feed, 'utf8')).map((item: { coin_id: string }) => item.coin_id)).toEqual([
    'bitcoin',
  ]);
  expect(result.stderr).toContain(
    `the feed ${feed} is INCOMPLETE: 1 request(s) failed; it holds only the items stored`,
  );
  expect(existsSync(`${feed}.tmp`)).toBe(false);
});

it('a crawl stopped by Ctrl-C closes its JSON feed properly and says it is incomplete', async () => {
  mock.configure({ ...MOCK_DEFAULTS, latencyMs: 150 });
  const dataDir = tempDir();
  const feed = join(dataDir, 'items.json');
  const run = spawnCli([
    ...['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-30', '-O', feed, '--concurrency', '1'],
    ...['--api-url', mock.url, '--data-dir', dataDir, ...quiet],
  ]);
  let stderr = '';
  run.child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  while (!/HTTP 200, 1 item/.test(stderr)) await sleep(50);
  run.child.kill('SIGINT');
  const result = await run.done;
  expect(result.code).toBe(130);
  const items = JSON.parse(readFileSync(feed, 'utf8')) as unknown[];
  expect(items.length).toBeGreaterThanOrEqual(1);
  expect(items.length).toBeLessThan(30);
  expect(result.stderr).toContain(`the feed ${feed} is INCOMPLETE: it was stopped`);
});
