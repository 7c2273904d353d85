/**
 * A spider for an API that is not CoinGecko, run through crawl.ts as a user runs it: the example
 * `catalogue_example` (list pages -> detail pages, its own item type, argument, setting and filter
 * pipeline) against the project's catalogue API, including a kill -9 and a resume from --job-dir.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CatalogueApi, PRODUCTS, startCatalogueApi } from '../fixtures/catalogue-api/server';
import { runCli, spawnCli, tempDir } from '../helpers/cli';

let api: CatalogueApi;
afterEach(() => api?.close());

const IN_STOCK = PRODUCTS.filter((product) => Number(product.stock) > 0).map((product) => product.id);

function crawlArgs(dataDir: string, extra: string[] = []): string[] {
  return ['--spider', 'catalogue_example', '-a', `base=${api.url}`, '--data-dir', dataDir, ...extra];
}

function storedProducts(dataDir: string): Map<string, Record<string, unknown>> {
  const dir = join(dataDir, 'catalogue');
  const products = new Map<string, Record<string, unknown>>();
  if (!existsSync(dir)) return products;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')))
    products.set(name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>);
  return products;
}

test('follows every list page and detail page, stores each product in stock, and counts the filtered ones', async () => {
  api = await startCatalogueApi();
  const dataDir = tempDir();
  const result = await runCli(crawlArgs(dataDir, ['-o', join(dataDir, 'products.jsonl')]));
  expect(result.code).toBe(0);

  const stored = storedProducts(dataDir);
  expect([...stored.keys()].sort()).toEqual(IN_STOCK.map((id) => `${id}.json`).sort());
  const first = PRODUCTS[0];
  expect(stored.get('p-001.json')).toEqual({
    id: 'p-001',
    title: first.title,
    category: first.category,
    price: first.price,
    currency: 'EUR',
    stock: first.stock,
    updated: first.updated,
    url: `${api.url}/products/p-001`,
  });
  // 5 list pages and 20 detail pages, each asked for once; the progress total grew as they were found.
  expect(api.requests).toHaveLength(25);
  expect(new Set(api.requests.map((r) => r.path)).size).toBe(25);
  expect(result.stderr).toContain('spider catalogue_example: 1 requests to start with');
  expect(result.stderr).toMatch(/\[25\/25 100% /);
  expect(result.stderr).toContain(`25/25 requests succeeded, ${IN_STOCK.length} items stored, 0 failed`);
  // Out of stock is an expected drop: counted, and the crawl still exits 0.
  expect(result.stderr).toContain('"item_dropped_reasons_count/in-stock": 4');
  const feed = readFileSync(join(dataDir, 'products.jsonl'), 'utf8').trim().split('\n');
  expect(feed.map((line) => JSON.parse(line).id).sort()).toEqual([...IN_STOCK].sort());
});

test("the spider's own setting comes from --set or the environment", async () => {
  api = await startCatalogueApi();
  const viaSet = tempDir();
  expect((await runCli(crawlArgs(viaSet, ['--set', 'CATALOGUE_MIN_STOCK=0']))).code).toBe(0);
  expect(storedProducts(viaSet).size).toBe(20);
  const viaEnv = tempDir();
  const result = await runCli(crawlArgs(viaEnv), { env: { CRAWLER_CATALOGUE_MIN_STOCK: '5' } });
  expect(result.code).toBe(0);
  const expected = PRODUCTS.filter((product) => Number(product.stock) >= 5).length;
  expect(storedProducts(viaEnv).size).toBe(expected);
  expect(expected).toBeLessThan(IN_STOCK.length);
});

test('invalid data from the source is dropped and fails the crawl (exit 1); retries get through 503s', async () => {
  api = await startCatalogueApi({ invalidProduct: true, failFirst: 1 });
  const dataDir = tempDir();
  const result = await runCli(crawlArgs(dataDir, ['--set', 'RETRY_BACKOFF_BASE=0.01']));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    'dropped by validate: invalid product p-003: price "n/a" is not a number >= 0',
  );
  expect(result.stderr).toContain('1 items dropped as invalid');
  expect(storedProducts(dataDir).size).toBe(IN_STOCK.length - 1);
  expect(result.stderr).toContain('"retry/reason_count/503": 25');
});

test.each([
  [['-a', 'base=not-a-url'], '-a base "not-a-url": expected an http(s) URL'],
  [['-a', 'nope=1'], '-a nope: spider catalogue_example has no argument "nope" (its arguments: base)'],
  [['-a', 'base'], '-a "base": expected NAME=VALUE'],
  [
    ['--coin-id', 'bitcoin'],
    '--coin-id: spider catalogue_example has no argument "coin-id" (its arguments: base)',
  ],
  [
    ['--set', 'CATALOGUE_MIN_STOCK=lots'],
    '--set CATALOGUE_MIN_STOCK: invalid value "lots" for CATALOGUE_MIN_STOCK',
  ],
])('bad arguments %j: exit 2, one line, nothing sent or written', async (extra, message) => {
  api = await startCatalogueApi();
  const dataDir = tempDir();
  const result = await runCli(['--spider', 'catalogue_example', '--data-dir', dataDir, ...extra]);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain(message);
  expect(api.requests).toHaveLength(0);
  expect(existsSync(join(dataDir, 'catalogue'))).toBe(false);
});

test('--spider NAME --help lists its arguments and settings; a spider without --coin-id needs none', async () => {
  const help = await runCli(['--spider', 'catalogue_example', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Spider catalogue_example: Example, not CoinGecko');
  expect(help.stdout).toMatch(/-a base=URL\s+The catalogue API \[default http:\/\/127\.0\.0\.1:8001\]/);
  expect(help.stdout).toContain('CATALOGUE_MIN_STOCK (default 1)');
  const coins = await runCli(['--spider', 'coingecko_history', '--help']);
  expect(coins.stdout).toMatch(/-a coin-id=LIST\s+CoinGecko coin id\(s\).*\[required\]/);
});

test('after kill -9, the same command with --job-dir finishes, storing every product once', async () => {
  api = await startCatalogueApi({ latencyMs: 150 });
  const dataDir = tempDir();
  const args = crawlArgs(dataDir, ['--job-dir', join(dataDir, 'job'), '--concurrency', '2']);
  const first = spawnCli(args);
  while (storedProducts(dataDir).size < 4) await sleep(50);
  first.child.kill('SIGKILL');
  expect((await first.done).code).toBeNull();
  const beforeKill = api.requests.length;
  expect(storedProducts(dataDir).size).toBeLessThan(IN_STOCK.length);

  const second = await runCli(args);
  expect(second.code).toBe(0);
  expect([...storedProducts(dataDir).keys()].sort()).toEqual(IN_STOCK.map((id) => `${id}.json`).sort());
  // The resumed crawl asked only for what was left: each page at most twice (if it was in flight at
  // the kill), and no more than the two in flight were asked again.
  const perPath = new Map<string, number>();
  for (const { path } of api.requests) perPath.set(path, (perPath.get(path) ?? 0) + 1);
  expect(perPath.size).toBe(25);
  expect([...perPath.values()].every((n) => n <= 2)).toBe(true);
  expect(api.requests.length - 25).toBeLessThanOrEqual(2);
  expect(api.requests.length).toBeGreaterThan(beforeKill);
});
