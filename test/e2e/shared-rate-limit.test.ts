/**
 * One rate limit for many workers (RATE_LIMIT_SCOPE=database), against the real Postgres and the
 * project's mock API with a sliding-window limit: two worker processes told one limit draw no 429,
 * two left to learn it learn it together (a budget and a window for both, with and without
 * retry-after), a worker killed with -9 frees its share, `process` keeps each worker to its own
 * limit, and a window that refuses without retry-after (Cloudflare's 1015 page) is learned.
 */
import { createHash } from 'node:crypto';
import { readDayFiles, runCli, spawnCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { startPrivatePostgres } from '../helpers/private-postgres';
import { MockApi, startMockApi } from '../mock-api/server';

// Two or three crawler processes per test, on two cores shared with the other suites.
jest.setTimeout(150_000);

let mock: MockApi;
let db: TestDatabase;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(async () => {
  mock.configure(MOCK_DEFAULTS);
  mock.requests.length = 0;
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const worker of started.splice(0)) {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await worker.done.catch(() => undefined);
  }
  await db.drop();
});

const started: ReturnType<typeof spawnCli>[] = [];
const QUICK = [
  '--set',
  'WORKER_POLL_INTERVAL=0.2',
  '--set',
  'JOB_RETRY_DELAY=1',
  '--set',
  'PROGRESS_BAR=off',
];
const API_KEY = 'CG-test-shared-limit-key';
/**
 * The server admits 20 requests per 2 s (600/min); the workers are told 480/min between them: 20
 * starts span 2.5 s, so a start late by up to half a second (a loaded machine) still fits the window.
 * Each on its own at 480/min, two exceed it.
 */
const WINDOW = { limit: 20, windowMs: 2000 };
const TOLD = ['--rate-limit', '480'];

function env(extra: Record<string, string> = {}) {
  return { DATABASE_URL: db.url, COINGECKO_API_KEY: API_KEY, COINGECKO_API_PLAN: 'pro', ...extra };
}

function startWorker(dataDir: string, extra: Record<string, string> = {}, told = TOLD) {
  const worker = spawnCli(['worker', '--api-url', mock.url, '--data-dir', dataDir, ...QUICK, ...told], {
    env: env(extra),
    timeoutMs: 120_000,
  });
  let log = '';
  worker.child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  started.push(worker);
  return { ...worker, log: () => log };
}

async function waitFor(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function backfill(
  dataDir: string,
  coins: string[],
  extra: Record<string, string> = {},
  start = '2021-01-21',
) {
  // 20 days a coin by default, in two jobs (one per month), so that both workers have work at once.
  const args = ['backfill', '-c', ...coins, '-s', start, '-e', '2021-02-09', '--data-dir', dataDir];
  const result = await runCli([...args, ...QUICK], { env: env(extra) });
  expect(result).toMatchObject({ code: 0 });
}

async function jobStates(): Promise<string[]> {
  const rows = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'backfill'`);
  return rows.map((row) => row.state);
}

async function storedCount(coinId: string): Promise<number> {
  const rows = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM coingecko_scraped_data WHERE coin_id = $1 AND usd_price IS NOT NULL',
    [coinId],
  );
  return Number(rows[0].n);
}

/** Days the mock answered with data, per coin and day: each must be once. */
function answeredTwice(): string[] {
  const seen = new Map<string, number>();
  for (const r of mock.requests)
    if (r.outcome === 'ok' && r.coinId)
      seen.set(`${r.coinId} ${r.date}`, (seen.get(`${r.coinId} ${r.date}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([day]) => day);
}

const refused = () => mock.requests.filter((r) => r.status === 429).length;

it('two workers told one limit share it: no 429, every day stored once, the key kept as a hash', async () => {
  mock.configure({ rateLimit: WINDOW, apiKey: API_KEY });
  const dataDir = tempDir();
  const workers = [startWorker(dataDir), startWorker(dataDir)];
  await waitFor('both workers', () => workers.every((w) => w.log().includes('worker ready')));
  expect(workers[0].log()).toContain('shared with every worker on the same API key');

  await backfill(dataDir, ['bitcoin', 'ethereum']);
  await waitFor('the jobs', async () => {
    const states = await jobStates();
    return states.length === 4 && states.every((state) => state === 'completed');
  });
  // Each job counted both workers.
  expect(workers.map((w) => w.log()).join('')).toMatch(/shared through the database by 2 processes/);
  expect(workers.map((w) => w.log()).join('')).not.toMatch(/shared through the database by 1 process/);
  expect(refused()).toBe(0);
  expect(await storedCount('bitcoin')).toBe(20);
  expect(await storedCount('ethereum')).toBe(20);
  expect(answeredTwice()).toEqual([]);
  expect(readDayFiles(dataDir).size).toBe(40);

  // The limit is the key's, by its hash; the key itself is nowhere in the tables.
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM crawler_rate_limit');
  const leases = await db.query<Record<string, unknown>>('SELECT * FROM crawler_rate_limit_lease');
  expect(rows).toHaveLength(1);
  expect(JSON.stringify([rows, leases])).not.toContain(API_KEY);
  const hash = createHash('sha256').update(`coingecko-crawler rate limit\0${API_KEY}`).digest('hex');
  expect(rows[0].key_hash).toBe(hash.slice(0, 32));
  for (const worker of workers) expect(worker.log()).not.toContain(API_KEY);
});

describe.each([
  ['with retry-after', {}],
  ["without retry-after (Cloudflare's 1015 page)", { form: 'cloudflare' as const, sendRetryAfter: false }],
])('two workers left to learn one limit, %s, learn it together', (_, form) => {
  it('every day stored once, the budget and window learned once for both', async () => {
    mock.configure({ rateLimit: { ...WINDOW, ...form }, apiKey: API_KEY });
    const dataDir = tempDir();
    // Untold, two requests in flight each: before sharing what they learned, each burst a budget of
    // its own and probed past it once a window (about 20 % refused); now the first window's
    // requests in flight are refused, and few after it.
    const untold = ['--concurrency', '2'];
    const workers = [startWorker(dataDir, {}, untold), startWorker(dataDir, {}, untold)];
    await waitFor('both workers', () => workers.every((w) => w.log().includes('worker ready')));
    // 40 days a coin, 3 coins: 120 requests, six windows of the server's.
    await backfill(dataDir, ['bitcoin', 'ethereum', 'cardano'], {}, '2021-01-01');
    await waitFor('the jobs', async () => {
      const states = await jobStates();
      return states.length === 6 && states.every((state) => state === 'completed');
    });
    expect(workers.map((w) => w.log()).join('')).toMatch(/shared through the database by 2 processes/);
    for (const coin of ['bitcoin', 'ethereum', 'cardano']) expect(await storedCount(coin)).toBe(40);
    expect(answeredTwice()).toEqual([]);
    expect(readDayFiles(dataDir).size).toBe(120);
    // Learned once for the key, from both workers' answers: the server's 20 in a window of at least
    // its 2 s (a retry-after is whole seconds; without one, found in steps of 1 s).
    const [row] = await db.query<{ budget: number; window_ms: number }>(
      'SELECT budget, window_ms FROM crawler_rate_limit',
    );
    // (How many were refused depends on the machine's speed: bench/workers.ts and BENCHMARKS.md.)
    expect(row.budget).toBeGreaterThan(0);
    expect(row.budget).toBeLessThanOrEqual(20);
    expect(row.window_ms).toBeGreaterThanOrEqual(2000);
  });
});

it('a count is not carried over a quiet spell: answers admitted long before the first 429 are not in the budget', async () => {
  mock.configure({ rateLimit: WINDOW, apiKey: API_KEY });
  const dataDir = tempDir();
  // Untold, sharing through the database; the count's span is RATE_LIMIT_BACKOFF_MAX (here 1 s).
  const crawl = (start: string, end: string) =>
    runCli(
      [
        '-c',
        'bitcoin',
        '-s',
        start,
        '-e',
        end,
        '--api-url',
        mock.url,
        '--data-dir',
        dataDir,
        '--concurrency',
        '4',
      ],
      {
        env: env({
          CRAWLER_RATE_LIMIT_SCOPE: 'database',
          CRAWLER_RATE_LIMIT_BACKOFF_MAX: '1',
          CRAWLER_PROGRESS_BAR: 'off',
        }),
      },
    );
  // Ten days, under the server's 20, then a quiet spell longer than the span.
  expect(await crawl('2021-01-01', '2021-01-10')).toMatchObject({ code: 0 });
  expect(refused()).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  // Forty days at once: refused once the window's 20 are in.
  expect(await crawl('2021-02-01', '2021-03-12')).toMatchObject({ code: 0 });
  expect(refused()).toBeGreaterThan(0);
  const [row] = await db.query<{ budget: number }>('SELECT budget FROM crawler_rate_limit');
  // Counted from the ten days of the first crawl on, it would be about 30.
  expect(row.budget).toBeGreaterThan(0);
  expect(row.budget).toBeLessThanOrEqual(20);
  expect(readDayFiles(dataDir).size).toBe(50);
});

it('a worker killed with -9 frees its share: the other runs on alone, with no 429', async () => {
  mock.configure({ rateLimit: WINDOW, apiKey: API_KEY });
  const dataDir = tempDir();
  const killed = startWorker(dataDir);
  await waitFor('the first worker', () => killed.log().includes('worker ready'));
  await backfill(dataDir, ['bitcoin', 'ethereum']);
  await waitFor('a job of the first worker', () => killed.log().includes('shared through the database'));
  const survivor = startWorker(dataDir);
  await waitFor('a job of the second', () =>
    /shared through the database by 2 processes/.test(survivor.log()),
  );
  // Killed while it holds starts it has taken and not used.
  killed.child.kill('SIGKILL');
  await killed.done;
  // The killed worker's job stays active until pg-boss expires it; the survivor does the three others.
  await waitFor(
    "the survivor's jobs",
    async () => (await jobStates()).filter((s) => s === 'completed').length === 3,
  );

  // After its lease expires the dead worker no longer counts, and the survivor has the whole limit.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  const before = mock.requests.length;
  await backfill(dataDir, ['cardano']);
  await waitFor('the cardano job', async () => (await storedCount('cardano')) === 20);
  expect(survivor.log()).toMatch(/shared through the database by 1 process on/);
  expect(
    mock.requests.slice(before).filter((r) => r.coinId === 'cardano' && r.outcome === 'ok'),
  ).toHaveLength(20);
  expect(refused()).toBe(0);
});

it('RATE_LIMIT_SCOPE=process keeps each worker to its own limit, as before', async () => {
  mock.configure({ rateLimit: WINDOW });
  const dataDir = tempDir();
  const scope = { RATE_LIMIT_SCOPE: 'process' };
  // Each told the server's whole limit, as a user who did not split it by hand would.
  const told = ['--rate-limit', '600'];
  const workers = [startWorker(dataDir, scope, told), startWorker(dataDir, scope, told)];
  await waitFor('both workers', () => workers.every((w) => w.log().includes('worker ready')));
  expect(workers[0].log()).toContain('for this worker alone (RATE_LIMIT_SCOPE=process)');
  // 40 days a coin: long enough for both to send at once for a few seconds.
  await backfill(dataDir, ['bitcoin', 'ethereum'], scope, '2021-01-01');
  await waitFor('the jobs', async () => {
    const states = await jobStates();
    return states.length === 4 && states.every((state) => state === 'completed');
  });
  // Each sent 600/min of its own: together more than the server's 600, so some were refused, and
  // waited out; every day is still stored once.
  expect(refused()).toBeGreaterThan(0);
  expect(await storedCount('bitcoin')).toBe(40);
  expect(await storedCount('ethereum')).toBe(40);
  expect(answeredTwice()).toEqual([]);
  const table = await db.query<{ t: string | null }>(`SELECT to_regclass('crawler_rate_limit')::text AS t`);
  expect(table[0].t).toBeNull();
});

it('RATE_LIMIT_SCOPE=database without DATABASE_URL, or a bad scope, is a usage error', async () => {
  const dataDir = tempDir();
  const crawl = ['-c', 'bitcoin', '-s', '2021-01-01', '--api-url', mock.url, '--data-dir', dataDir];
  const noDb = await runCli(crawl, { env: { RATE_LIMIT_SCOPE: 'database' } });
  expect(noDb.code).toBe(2);
  expect(noDb.stderr.trim().split('\n')).toHaveLength(1);
  expect(noDb.stderr).toContain('RATE_LIMIT_SCOPE=database needs DATABASE_URL');
  const bad = await runCli([...crawl, '--set', 'RATE_LIMIT_SCOPE=cluster'], {});
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/RATE_LIMIT_SCOPE.*cluster.*expected database or process/);
  expect(mock.requests).toHaveLength(0);
  expect(readDayFiles(dataDir).size).toBe(0);
});

it('learns a window that refuses without retry-after (the 1015 page) and keeps to it', async () => {
  // 20 requests per 2 s, refused with Cloudflare's HTML page and no retry-after: 60 days need 3
  // windows. Before, the backoff doubled past each window's end.
  mock.configure({ rateLimit: { limit: 20, windowMs: 2000, form: 'cloudflare', sendRetryAfter: false } });
  const dataDir = tempDir();
  const args = ['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-03-01', '--api-url', mock.url];
  const result = await runCli([...args, '--data-dir', dataDir, '--set', 'PROGRESS_BAR=off'], {});
  expect(result.code).toBe(0);
  expect(readDayFiles(dataDir).size).toBe(60);
  const learned = Number(/"ratelimit\/learned_window_seconds": ([\d.]+)/.exec(result.stderr)?.[1]);
  expect(learned).toBeGreaterThanOrEqual(2);
  // Found in steps of RATE_LIMIT_BACKOFF_BASE (1 s): at most a step over.
  expect(learned).toBeLessThanOrEqual(3.5);
  // One refusal per window once learned, a few while learning: at most 15 % of the requests.
  expect(refused() / mock.requests.length).toBeLessThanOrEqual(0.15);
});

it('keeps its own spacing while the database restarts, and loses no day', async () => {
  const server = await startPrivatePostgres();
  try {
    // 60 days at 600/min: about 6 s of crawl; the database goes away for 1.5 s of it.
    mock.configure({ rateLimit: { limit: 20, windowMs: 2000 } });
    const dataDir = tempDir();
    const args = ['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-03-01', '--api-url', mock.url];
    const running = spawnCli(
      [...args, '--data-dir', dataDir, '--rate-limit', '480', '--set', 'PROGRESS_BAR=off'],
      {
        env: { DATABASE_URL: server.url, RATE_LIMIT_SCOPE: 'database' },
      },
    );
    while (readDayFiles(dataDir).size < 15) await new Promise((resolve) => setTimeout(resolve, 50));
    server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server.start();
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('rate limit shared through the database by 1 process');
    expect(result.stderr).toMatch(/shared rate limit: database unreachable .*own spacing/);
    expect(result.stderr).not.toContain(server.url);
    expect(readDayFiles(dataDir).size).toBe(60);
    expect(refused()).toBe(0);
  } finally {
    server.destroy();
  }
});
