/**
 * The job queue against the real Postgres: the scheduler's daily jobs, duplicate scheduling,
 * retries, two workers sharing a backfill, and a worker stopped in the middle of a job. Workers and
 * schedulers are real `crawl.ts` processes; the mock API is the project's own, over HTTP.
 */
import PgBoss from 'pg-boss';
import { CliResult, readDayFiles, runCli, spawnCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { loadCsvPrices, MockApi, MockRequestRecord, startMockApi } from '../mock-api/server';
import { QUEUES } from '../../src/scheduler/queue';
import type { Run } from '../../src/scheduler/runs';

// Several crawler processes per test, on two cores shared with the other suites.
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
  // A test that failed half-way leaves its workers running: stop them before their database goes.
  for (const worker of started.splice(0)) {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await worker.done.catch(() => undefined);
  }
  await db.drop();
});

const started: ReturnType<typeof spawnCli>[] = [];

/** Fast polling and retries, so the tests wait seconds, not the production minutes. */
const QUICK = [
  '--set',
  'WORKER_POLL_INTERVAL=0.2',
  '--set',
  'JOB_RETRY_DELAY=1',
  '--set',
  'PROGRESS_BAR=off',
];

/** `crawl.ts` once; `settings` come after QUICK's, so they win. */
function cli(args: string[], dataDir: string, settings: string[] = []) {
  return runCli([...args, '--data-dir', dataDir, ...QUICK, ...settings], { env: { DATABASE_URL: db.url } });
}

function startWorker(command: 'worker' | 'schedule', dataDir: string, extra: string[] = []) {
  const worker = spawnCli([command, '--api-url', mock.url, '--data-dir', dataDir, ...QUICK, ...extra], {
    env: { DATABASE_URL: db.url },
    timeoutMs: 180_000,
  });
  started.push(worker);
  return worker;
}

async function runs(dataDir: string): Promise<Run[]> {
  const result = await cli(['runs', '--format', 'json', '--limit', '500'], dataDir);
  expect(result).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as Run[];
}

/** Waits until every job of `queue` is completed or failed, and at least `count` exist. */
async function settled(queue: string, count: number): Promise<void> {
  for (let i = 0; i < 900; i++) {
    const rows = await db
      .query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = $1`, [queue])
      .catch(() => []);
    if (rows.length >= count && rows.every((row) => ['completed', 'failed'].includes(row.state))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the ${queue} jobs did not finish`);
}

async function storedDays(coinId: string): Promise<{ date: string; usd_price: number | null }[]> {
  return db.query(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date, usd_price FROM coingecko_scraped_data
     WHERE coin_id = $1 ORDER BY date`,
    [coinId],
  );
}

/** The days of `coinId` the mock answered with data, with how often. */
function answersPerDay(coinId: string, records: MockRequestRecord[] = mock.requests): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records)
    if (r.coinId === coinId && r.outcome === 'ok' && r.date)
      counts.set(r.date, (counts.get(r.date) ?? 0) + 1);
  return counts;
}

/** Plays pg-boss's cron: the job it queues at the scheduled minute, for a given day. */
async function fireSchedule(date: string): Promise<void> {
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss' });
  await boss.start();
  try {
    await boss.send(QUEUES.schedule, { date });
  } finally {
    await boss.stop({ graceful: false });
  }
}

async function stop(worker: ReturnType<typeof spawnCli>): Promise<CliResult> {
  worker.child.kill('SIGTERM');
  return worker.done;
}

async function waitForLog(worker: ReturnType<typeof spawnCli>, text: string): Promise<void> {
  let seen = '';
  worker.child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  for (let i = 0; i < 600 && !seen.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
  if (!seen.includes(text)) throw new Error(`no "${text}" in the log:\n${seen}`);
}

const csv = {
  bitcoin: loadCsvPrices('bitcoin'),
  ethereum: loadCsvPrices('ethereum'),
  cardano: loadCsvPrices('cardano'),
};

test('the scheduler keeps the 03:00 UTC cron, and its job stores the three coins for its date', async () => {
  const dataDir = tempDir();
  const scheduler = startWorker('schedule', dataDir, ['--set', 'DAILY_CATCHUP_DAYS=3']);
  await waitForLog(scheduler, 'worker ready');
  const [schedule] = await db.query<{ cron: string; timezone: string }>(
    'SELECT cron, timezone, data FROM pgboss.schedule WHERE name = $1',
    [QUEUES.schedule],
  );
  // The coins travel with the schedule, so any worker that takes its job queues the scheduler's coins.
  expect(schedule).toEqual({
    cron: '0 3 * * *',
    timezone: 'UTC',
    data: { coins: ['bitcoin', 'ethereum', 'cardano'] },
  });

  await fireSchedule('2024-06-01');
  await settled(QUEUES.daily, 3);
  const stopped = await stop(scheduler);
  expect(stopped).toMatchObject({ code: 130 });
  // When it fires next, that the queue ran dry, and one line per job, not the whole stats.
  expect(stopped.stderr).toMatch(/each with 3 days of catch-up; next at \d{4}-\d\d-\d\dT03:00Z/);
  expect(stopped.stderr).toContain('queue empty: waiting for jobs');
  expect(stopped.stderr).toMatch(
    /daily bitcoin:2024-06-01: completed: 3 items stored, 0 days already stored, 3 requests \(0 failed\) in /,
  );
  expect(stopped.stderr).not.toContain('Dumping crawl stats');
  expect(stopped.stderr).toMatch(/stopped \(SIGTERM\): start it again/);

  for (const coinId of ['bitcoin', 'ethereum', 'cardano'] as const) {
    const rows = await storedDays(coinId);
    expect(rows.map((row) => row.date)).toEqual(['2024-05-30', '2024-05-31', '2024-06-01']);
    expect(rows.map((row) => row.usd_price)).toEqual(rows.map((row) => csv[coinId].get(row.date)?.price));
  }
  expect(readDayFiles(dataDir).size).toBe(9);
  const daily = (await runs(dataDir)).filter((run) => run.queue === QUEUES.daily);
  expect(daily.map((run) => [run.coin, run.days, run.state, run.attempts, run.items_stored]).sort()).toEqual([
    ['bitcoin', '2024-06-01', 'completed', 1, 3],
    ['cardano', '2024-06-01', 'completed', 1, 3],
    ['ethereum', '2024-06-01', 'completed', 1, 3],
  ]);
});

test('the same coin and day scheduled twice, by two schedulers, runs once', async () => {
  const dataDir = tempDir();
  const schedulers = [startWorker('schedule', dataDir), startWorker('schedule', dataDir)];
  await Promise.all(schedulers.map((scheduler) => waitForLog(scheduler, 'worker ready')));
  await Promise.all([fireSchedule('2024-03-10'), fireSchedule('2024-03-10')]);
  await settled(QUEUES.schedule, 2);
  const again = await cli(['daily', '--enqueue', '--date', '2024-03-10', '-c', 'bitcoin'], dataDir);
  expect(again.stdout).toMatch(/^already queued \((created|active|completed)\): daily bitcoin:2024-03-10\n$/);
  await settled(QUEUES.daily, 3);
  for (const scheduler of schedulers) expect(await stop(scheduler)).toMatchObject({ code: 130 });

  const daily = (await runs(dataDir)).filter((run) => run.queue === QUEUES.daily);
  expect(daily.map((run) => `${run.coin} ${run.days} ${run.state} ${run.attempts}`).sort()).toEqual([
    'bitcoin 2024-03-10 completed 1',
    'cardano 2024-03-10 completed 1',
    'ethereum 2024-03-10 completed 1',
  ]);
  for (const coinId of ['bitcoin', 'ethereum', 'cardano']) {
    const answers = answersPerDay(coinId);
    expect(answers.size).toBe(7);
    expect([...answers.values()].every((count) => count === 1)).toBe(true);
  }
});

test('a job that fails while the API answers 503 is retried, then succeeds', async () => {
  const dataDir = tempDir();
  const worker = startWorker('worker', dataDir, ['--set', 'RETRY_TIMES=0', '--set', 'DAILY_CATCHUP_DAYS=1']);
  await waitForLog(worker, 'worker ready');
  mock.failNext(2, 503);
  const queued = await cli(['daily', '--enqueue', '--date', '2024-02-29', '-c', 'bitcoin'], dataDir);
  expect(queued.stdout).toBe('queued: daily bitcoin:2024-02-29\n');
  await settled(QUEUES.daily, 1);
  expect(await stop(worker)).toMatchObject({ code: 130 });

  const [run] = await runs(dataDir);
  expect(run).toMatchObject({ coin: 'bitcoin', days: '2024-02-29', state: 'completed', attempts: 3 });
  expect(run.items_stored).toBe(1);
  expect(await storedDays('bitcoin')).toEqual([
    { date: '2024-02-29', usd_price: csv.bitcoin.get('2024-02-29')?.price },
  ]);
  expect(mock.requests.filter((r) => r.date === '2024-02-29').map((r) => r.status)).toEqual([503, 503, 200]);
});

test('a backfill given twice is queued once while its jobs wait', async () => {
  const dataDir = tempDir();
  const range = ['backfill', '-c', 'bitcoin', 'ethereum', '-s', '2024-01-15', '-e', '2024-02-10'];
  const first = await cli(range, dataDir);
  expect(first.stdout.trim().split('\n')).toEqual([
    'queued: backfill bitcoin:2024-01-15..2024-01-31',
    'queued: backfill bitcoin:2024-02-01..2024-02-10',
    'queued: backfill ethereum:2024-01-15..2024-01-31',
    'queued: backfill ethereum:2024-02-01..2024-02-10',
  ]);
  const again = await cli(range, dataDir);
  expect(again.stdout.trim().split('\n')).toEqual(
    first.stdout
      .trim()
      .split('\n')
      .map((line) => line.replace('queued:', 'already queued (created):')),
  );
  expect(again.stderr).toContain(
    '0 of 4 backfill jobs queued; a worker runs them (see: coingecko-crawler runs)',
  );
});

test('two workers share a backfill, each day fetched and stored once', async () => {
  const dataDir = tempDir();
  mock.configure({ latencyMs: 20 });
  const workers = [startWorker('worker', dataDir), startWorker('worker', dataDir)];
  await Promise.all(workers.map((worker) => waitForLog(worker, 'worker ready')));
  const queued = await cli(['backfill', '-c', 'bitcoin', '-s', '2023-01-01', '-e', '2023-06-30'], dataDir);
  expect(queued.stdout.trim().split('\n')).toHaveLength(6);
  await settled(QUEUES.backfill, 6);
  const logs = await Promise.all(workers.map(stop));

  const rows = await storedDays('bitcoin');
  expect(rows).toHaveLength(181);
  expect(rows.every((row) => row.usd_price === csv.bitcoin.get(row.date)?.price)).toBe(true);
  const answers = answersPerDay('bitcoin');
  expect(answers.size).toBe(181);
  expect(Math.max(...answers.values())).toBe(1);
  // Both took part: each completed at least one month.
  for (const log of logs)
    expect(log.stderr).toMatch(/backfill bitcoin:2023-\d\d-01\.\.2023-\d\d-\d\d: completed/);
  const backfill = await runs(dataDir);
  expect(backfill.map((run) => run.state)).toEqual(Array(6).fill('completed'));
  expect(backfill.reduce((sum, run) => sum + (run.items_stored ?? 0), 0)).toBe(181);
});

test("a worker's told rate limit holds from one job to the next: no 429", async () => {
  const dataDir = tempDir();
  // 2 per 3 s; told 40 a minute, the worker spaces requests 1.5 s apart: never 3 in a window.
  mock.configure({ rateLimit: { limit: 2, windowMs: 3000 } });
  const worker = startWorker('worker', dataDir, ['--rate-limit', '40']);
  await waitForLog(worker, 'worker ready');
  // Six jobs of one day each: five job boundaries, where a throttle per job would start afresh.
  await cli(
    ['backfill', '-c', 'bitcoin', 'ethereum', 'cardano', '-s', '2024-01-31', '-e', '2024-02-01'],
    dataDir,
  );
  await settled(QUEUES.backfill, 6);
  await stop(worker);
  const statuses = mock.requests.filter((r) => r.path.includes('/history')).map((r) => r.status);
  expect(statuses).toEqual(Array(6).fill(200));
});

test('SIGTERM in the middle of a job: the job goes back to the queue at once, its retries untouched, no day lost', async () => {
  const dataDir = tempDir();
  mock.configure({ latencyMs: 150 });
  const first = startWorker('worker', dataDir, ['--concurrency', '2']);
  await waitForLog(first, 'worker ready');
  // No retries, and a long delay: a release that counted as a failure would leave the job failed or waiting.
  const noRetries = ['--set', 'JOB_RETRY_LIMIT=0', '--set', 'JOB_RETRY_DELAY=3600'];
  await cli(['backfill', '-c', 'ethereum', '-s', '2022-03-01', '-e', '2022-03-31'], dataDir, noRetries);
  await waitForLog(first, 'ethereum 2022-03-06');
  const stopped = await stop(first);
  expect(stopped.code).toBe(130);
  expect(stopped.stderr).toMatch(
    /released: worker stopped \(SIGTERM\) after storing \d+ items; back in the queue/,
  );
  const [released] = await runs(dataDir);
  expect(released).toMatchObject({ state: 'retry', attempts: 1 });
  expect(released.error).toMatch(/^released: worker stopped \(SIGTERM\)/);
  const storedBefore = (await storedDays('ethereum')).length;
  expect(storedBefore).toBeGreaterThan(0);
  expect(storedBefore).toBeLessThan(31);

  mock.configure({ latencyMs: 0 });
  const second = startWorker('worker', dataDir);
  await settled(QUEUES.backfill, 1);
  await stop(second);
  const rows = await storedDays('ethereum');
  expect(rows).toHaveLength(31);
  expect(rows.every((row) => row.usd_price === csv.ethereum.get(row.date)?.price)).toBe(true);
  expect(readDayFiles(dataDir).size).toBe(31);
  const [done] = await runs(dataDir);
  expect(done).toMatchObject({ state: 'completed', attempts: 2, items_stored: 31 - storedBefore });
  // Only the requests in flight at the stop (at most the concurrency) were sent twice.
  const repeats = [...answersPerDay('ethereum').values()].filter((count) => count > 1);
  expect(repeats.length).toBeLessThanOrEqual(2);
});

test('a job that runs out of time is stopped before JOB_TIMEOUT and fails, instead of running twice at once', async () => {
  const dataDir = tempDir();
  mock.configure({ latencyMs: 300 });
  const worker = startWorker('worker', dataDir, [
    '--concurrency',
    '1',
    '--set',
    'QUEUE_MAINTENANCE_INTERVAL=1',
  ]);
  await waitForLog(worker, 'worker ready');
  const slow = ['--set', 'JOB_TIMEOUT=3', '--set', 'JOB_RETRY_LIMIT=0'];
  await cli(['backfill', '-c', 'bitcoin', '-s', '2021-07-01', '-e', '2021-07-31'], dataDir, slow);
  await settled(QUEUES.backfill, 1);
  const result = await stop(worker);
  expect(result.stderr).toMatch(
    /failed: stopped \(JOB_TIMEOUT\) after storing \d+ items: ran out of time \(JOB_TIMEOUT is 3 s\); no retries left/,
  );
  const [run] = await runs(dataDir);
  expect(run).toMatchObject({ state: 'failed', attempts: 1 });
  expect(run.error).toMatch(/^stopped \(JOB_TIMEOUT\) after storing \d+ items: ran out of time/);
  const stored = await storedDays('bitcoin');
  expect(run.items_stored).toBe(stored.length);
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.length).toBeLessThan(31);
  // Never handed to a second run while the first went on.
  expect(Math.max(...answersPerDay('bitcoin').values())).toBe(1);
});

test('a worker killed with -9 mid-job: after JOB_TIMEOUT another worker runs the job, every day stored once', async () => {
  const dataDir = tempDir();
  mock.configure({ latencyMs: 150 });
  const upkeep = ['--set', 'QUEUE_MAINTENANCE_INTERVAL=1'];
  const first = startWorker('worker', dataDir, ['--concurrency', '2', ...upkeep]);
  await waitForLog(first, 'worker ready');
  await cli(
    // Long enough that the first attempt is not cut short by the worker's own deadline (90 % of
    // JOB_TIMEOUT) on a loaded machine before it is killed; short enough to wait out after the kill.
    ['backfill', '-c', 'cardano', '-s', '2022-05-01', '-e', '2022-05-31', '--set', 'JOB_TIMEOUT=8'],
    dataDir,
  );
  await waitForLog(first, 'cardano 2022-05-06');
  first.child.kill('SIGKILL');
  await first.done;
  const [orphan] = await runs(dataDir);
  expect(orphan).toMatchObject({ state: 'active' });

  mock.configure({ latencyMs: 0 });
  const second = startWorker('worker', dataDir, upkeep);
  await settled(QUEUES.backfill, 1);
  await stop(second);
  const [done] = await runs(dataDir);
  // The killed attempt counts: the job completed on the very next one.
  expect(done).toMatchObject({ state: 'completed', attempts: orphan.attempts + 1 });
  const rows = await storedDays('cardano');
  expect(rows).toHaveLength(31);
  expect(rows.every((row) => row.usd_price === csv.cardano.get(row.date)?.price)).toBe(true);
  expect(readDayFiles(dataDir).size).toBe(31);
  const repeats = [...answersPerDay('cardano').values()].filter((count) => count > 1);
  expect(repeats.length).toBeLessThanOrEqual(2);
});
