// Why: the store alone, without HTTP, files or a process start (issue #12): rows per second that
// PriceStore.saveDays takes in batches of DB_BATCH_SIZE (500), for /history rows (a 6.9 kB payload each,
// the fixture's) and for market-chart rows (a small payload), in this tree and in BEFORE_DIR's (the
// store it had), into empty tables of the machine's Postgres, interleaved, in one run.
// Run: BEFORE_DIR=/tmp/crawler-main ROUNDS=3 npx tsx bench/store.ts
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/db/data-source';
import { coinHistoryItemFromRangePoints, type CoinHistoryItem } from '../src/items/coin-history-item';
import { createTestDatabase } from '../test/helpers/database';

const ROOT = path.resolve(__dirname, '..');
const ROWS = Number(process.env.ROWS ?? 12_765);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** DB_BATCH_SIZE's default; BATCH=N to try another. */
const BATCH = Number(process.env.BATCH ?? 500);

type Store = { saveDays(items: readonly CoinHistoryItem[]): Promise<number> };
type StoreClass = new (dataSource: never, retry: { times: number; maxBackoffMs: number }) => Store;

function days(kind: 'history' | 'market chart'): CoinHistoryItem[] {
  const payload = JSON.parse(
    readFileSync(
      path.join(ROOT, 'test/fixtures/coingecko/history_bitcoin_01-04-2021_localization_false.DERIVED.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  return Array.from({ length: ROWS }, (_, i) => {
    const coinId = `coin-${i % 3}`;
    const date = new Date(Date.UTC(2013, 3, 28) + Math.floor(i / 3) * 86_400_000).toISOString().slice(0, 10);
    const ms = Date.parse(date);
    const price = 100 + (i % 97);
    if (kind === 'market chart')
      return coinHistoryItemFromRangePoints(coinId, date, {
        price: [ms, price],
        market_cap: [ms, price * 1e6],
        total_volume: [ms, price * 1e4],
      });
    return {
      coin_id: coinId,
      date,
      usd_price: price,
      usd_market_cap: null,
      usd_total_volume: null,
      full_response: payload,
    };
  });
}

async function measure(Store: StoreClass, items: CoinHistoryItem[]): Promise<number> {
  const db = await createTestDatabase();
  const dataSource = await openDatabase({ databaseUrl: db.url, dataDir: '/tmp' });
  try {
    const store = new Store(dataSource as never, { times: 0, maxBackoffMs: 0 });
    const started = process.hrtime.bigint();
    for (let i = 0; i < items.length; i += BATCH) await store.saveDays(items.slice(i, i + BATCH));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return items.length / seconds;
  } finally {
    await dataSource.destroy();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const trees: [string, StoreClass][] = [];
  if (process.env.BEFORE_DIR) {
    // The old store's file beside this tree's modules: loading the old tree's entities next to these
    // would declare the entities twice. Its other modules (the staging table's) are the old tree's.
    const beforeDb = path.join(process.env.BEFORE_DIR, 'src/db');
    const source = readFileSync(path.join(beforeDb, 'price-store.ts'), 'utf8')
      .replace(/from '\.\/(entities|describe)'/g, "from '../../src/db/$1'")
      .replace(/from '\.\/([\w-]+)'/g, (_, name: string) => `from '${path.join(beforeDb, name)}'`);
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    const copy = path.join(ROOT, 'bench', 'results', 'before-price-store.ts');
    writeFileSync(copy, source);
    trees.push(['before', (await import(copy)).PriceStore]);
    unlinkSync(copy); // loaded; left there, it would be type-checked with the project
  }
  trees.push(['after', (await import('../src/db/price-store.js')).PriceStore as unknown as StoreClass]);
  const rates = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of ['history', 'market chart'] as const)
      for (const [tree, Store] of trees) {
        const key = `${tree} | ${kind}`;
        rates.set(key, [...(rates.get(key) ?? []), await measure(Store, days(kind))]);
      }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('| tree | rows | median rows/s | runs rows/s |\n| --- | --- | --- | --- |');
  for (const [key, xs] of rates)
    console.log(`| ${key} | ${Math.round(median(xs))} | ${xs.map((x) => Math.round(x)).join(', ')} |`);
  process.exit(0);
}

void main();
