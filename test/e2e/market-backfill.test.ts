/**
 * The whole market through the queue: `backfill --top N` (the coingecko_top spider's ranking) and
 * `backfill --all` (`/coins/list`) queue one market-chart job per coin and chunk; a worker stores
 * them; `runs` sums the queues up. Real `crawl.ts` processes, the project's mock API over HTTP (600
 * coins), the machine's Postgres. Expected ids come from the mock's own answers, prices from the CSVs.
 */
import { addDays, todayUtc } from '../../src/util/dates';
import { runCli, spawnCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';

jest.setTimeout(150_000);

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
beforeEach(() => mock.configure(MOCK_DEFAULTS));

const QUICK = ['--set', 'WORKER_POLL_INTERVAL=0.2', '--set', 'PROGRESS_BAR=off'];

function cli(args: string[], env: Record<string, string> = {}) {
  const api = args[0] === 'backfill' ? ['--api-url', mock.url] : [];
  return runCli([...args, ...api, '--data-dir', tempDir(), ...QUICK], {
    env: { DATABASE_URL: db.url, ...env },
  });
}

async function mockIds(path: string): Promise<string[]> {
  const body = (await (await fetch(`${mock.url}${path}`)).json()) as { id: string }[];
  return body.map((entry) => entry.id);
}

test('backfill --top 5 (pro plan): a job per coin, one request for its whole range; a worker runs them all, storing every day once; runs sums it up', async () => {
  const topIds = (
    await mockIds('/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=5&page=1')
  ).slice(0, 5);
  const env = { COINGECKO_API_PLAN: 'pro' };
  const since = mock.requests.length;
  const queued = await cli(['backfill', '--top', '5', '-s', '2020-06-01', '-e', '2021-07-31'], env);
  expect(queued.code).toBe(0);
  // 426 days: a paid plan's range has no documented cap, so each coin is one job, in rank order.
  expect(queued.stdout.trim().split('\n')).toEqual(
    topIds.map((id) => `queued: backfill ${id}:2020-06-01..2021-07-31`),
  );
  expect(queued.stderr).toContain('5 of 5 backfill jobs queued');
  // One page of the ranking, nothing else, before the jobs are queued.
  expect(mock.requests.slice(since).map((r) => r.path)).toEqual(['/api/v3/coins/markets']);

  const summary = await cli(['runs', '--summary']);
  expect(summary.stdout).toContain('backfill        5 waiting, 0 active, 0 completed, 0 failed');
  expect(summary.stdout).toContain('backfill: 0.0 % done (0 of 5 jobs completed, 0 failed)');

  // One worker runs the five jobs, one after the other (it keeps its database, connections and
  // throttle from one job to the next: what that saves is measured in BENCHMARKS.md, the market).
  const worker = spawnCli(['worker', '--api-url', mock.url, '--data-dir', tempDir(), ...QUICK], {
    env: { DATABASE_URL: db.url, ...env },
    timeoutMs: 120_000,
  });
  try {
    for (let i = 0; i < 600; i++) {
      const [{ done }] = await db.query<{ done: number }>(
        `SELECT count(*) FILTER (WHERE state = 'completed')::int AS done FROM pgboss.job WHERE name = 'backfill'`,
      );
      if (done === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    worker.child.kill('SIGTERM');
    await worker.done;
  }
  expect((await worker.done).stderr.match(/completed: 426 items stored/g)).toHaveLength(5);
  // Each job is one /market_chart/range request, for the coin's whole range.
  const ranges = mock.requests.slice(since).filter((r) => r.path.endsWith('/market_chart/range'));
  expect(ranges.map((r) => `${r.coinId} ${r.date} ${r.status}`).sort()).toEqual(
    [...topIds].sort().map((id) => `${id} 2020-06-01 200`),
  );
  const rows = await db.query<{ coin_id: string; days: number; priced: number }>(
    `SELECT coin_id, count(*)::int AS days, count(usd_price)::int AS priced
       FROM coingecko_scraped_data GROUP BY coin_id ORDER BY coin_id`,
  );
  expect(rows).toEqual([...topIds].sort().map((coin_id) => ({ coin_id, days: 426, priced: 426 })));
  const [btc] = await db.query<{ usd_price: number }>(
    `SELECT usd_price FROM coingecko_scraped_data WHERE coin_id = 'bitcoin' AND date = '2021-04-01'`,
  );
  expect(btc.usd_price).toBe(loadCsvPrices('bitcoin').get('2021-04-01')?.price);

  const json = await cli(['runs', '--summary', '--format', 'json']);
  expect(JSON.parse(json.stdout).backfill).toEqual({ jobs: 5, completed: 5, failed: 0, percent: 100 });
  // The table of runs has the summary above it.
  const table = await cli(['runs', '--limit', '1']);
  expect(table.stdout.split('\n')[3]).toBe('backfill: 100.0 % done (5 of 5 jobs completed, 0 failed)');
});

test('backfill --top 600 reads the ranking through the downloader: the key header, a told limit kept, a 503 retried', async () => {
  // 2 requests per 3 s, and the key required; told 40 a minute (1.5 s apart), as a crawl would be,
  // the three pages never put 3 in a window. The first answer is a 503: the retry middleware's.
  mock.configure({ plan: 'demo', apiKey: 'demo-key-1', rateLimit: { limit: 2, windowMs: 3000 } });
  mock.failNext(1, 503);
  const env = { COINGECKO_API_PLAN: 'demo', COINGECKO_API_KEY: 'demo-key-1' };
  const start = addDays(todayUtc(), -9);
  const since = mock.requests.length;
  const queued = await cli(['backfill', '--top', '600', '-s', start, '--set', 'RATE_LIMIT=40'], env);
  expect(queued.code).toBe(0);
  expect(queued.stderr).toContain('600 of 600 backfill jobs queued');
  const asked = mock.requests.slice(since);
  expect(asked.map((r) => `${r.path} ${r.status}`)).toEqual([
    '/api/v3/coins/markets 503',
    '/api/v3/coins/markets 200',
    '/api/v3/coins/markets 200',
    '/api/v3/coins/markets 200',
  ]);
  expect(asked.map((r) => r.headers['x-cg-demo-api-key'])).toEqual(Array(4).fill('demo-key-1'));
  expect(queued.stderr + queued.stdout).not.toContain('demo-key-1');
});

test('backfill --all (free plan): every coin of /coins/list, one job each over the last 365 days', async () => {
  const ids = await mockIds('/coins/list');
  expect(ids.length).toBe(600);
  const today = todayUtc();
  const queued = await cli(['backfill', '--all']);
  expect(queued.code).toBe(0);
  const lines = queued.stdout.trim().split('\n');
  expect(lines).toEqual(ids.map((id) => `queued: backfill ${id}:${addDays(today, -364)}..${today}`));
  const [{ jobs }] = await db.query<{ jobs: number }>(
    `SELECT count(*)::int AS jobs FROM pgboss.job WHERE name = 'backfill' AND data->>'spider' = 'coingecko_market_chart'
        AND data->>'startDate' = $1`,
    [addDays(today, -364)],
  );
  expect(jobs).toBe(600);
  // Given again while they wait: nothing is queued twice.
  const again = await cli(['backfill', '--all']);
  expect(again.stderr).toContain('0 of 600 backfill jobs queued');
});

test.each([
  [['--top', '0'], '--top "0": expected a whole number >= 1'],
  [['--top', '2', '-c', 'bitcoin'], '--coin-id, --top and --all: give only one of them'],
  [
    ['--top', '2', '-s', '2020-01-01'],
    '--start-date 2020-01-01: the public plan serves only the last 365 days',
  ],
  [
    ['--all', '--spider', 'coingecko_history'],
    '--spider coingecko_history: --top and --all run coingecko_market_chart',
  ],
  [['-s', '2024-01-01'], '--coin-id, --top N or --all: which coins to backfill'],
])('backfill %j: one line, exit 2, nothing queued', async (args, message) => {
  const since = mock.requests.length;
  const result = await cli(['backfill', ...args]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(mock.requests.length).toBe(since);
});
