// Why: what more workers buy on a backfill through the job queue. Without a rate limit, two workers
// should take about half the time of one; under a rate limit they can only share it, and giving each
// its share (--rate-limit) should cost no time and draw no 429s. Real Postgres (127.0.0.1:5432, a
// fresh database per scenario), the project's mock API with 100 ms of latency, workers as processes.
// Issue #12: 1, 2 and 4 workers sharing one key's limit through Postgres (RATE_LIMIT_SCOPE=database, the
// workers' default), told and untold, over COIN_DAYS coin-days; the hand split of before for comparison.
// Run: npx tsx bench/workers.ts. Env: COIN_DAYS (default 2000), SCENARIOS (a regexp of scenario names),
// CRAWLERS=label=dir,label=dir to run other trees one after the other in the same run (before and after:
// e.g. a `git worktree` of the base commit), default this tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, TestDatabase } from '../test/helpers/database';
import { MockApi, MockRateLimit, startMockApi } from '../test/mock-api/server';

const ROOT = path.resolve(__dirname, '..');

interface Scenario {
  name: string;
  range: string[];
  workers: string[][];
  rateLimit?: MockRateLimit;
  /** Wall time at the limit: the requests at 240/min. */
  idealS?: number;
}

const YEAR = ['-c', 'bitcoin', '-s', '2023-01-01', '-e', '2023-12-31'];
const WINDOW: MockRateLimit = { limit: 20, windowMs: 5000 };
/** Issue #12, "Workers on one key": COIN_DAYS coin-days (default 2,000) over four coins, to 2023-12-31. */
const COIN_DAYS = Number(process.env.COIN_DAYS ?? 2000);
const COINS = ['bitcoin', 'ethereum', 'cardano', 'mockcoin'];
const PER_COIN = Math.ceil(COIN_DAYS / COINS.length);
const KEY_RANGE = ['-c', ...COINS, '-s', dayBefore('2023-12-31', PER_COIN - 1), '-e', '2023-12-31'];
const TOLD_240 = ['--rate-limit', '240'];
const workers = (n: number, args: string[]) => Array.from({ length: n }, () => args);

function dayBefore(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

const SCENARIOS: Scenario[] = [
  { name: 'no limit, 1 worker', range: YEAR, workers: [['--concurrency', '2']] },
  { name: 'no limit, 2 workers', range: YEAR, workers: workers(2, ['--concurrency', '2']) },
  // One key's limit (the mock's 20 per 5 s = 240/min), told once to every worker: shared through Postgres.
  ...[1, 2, 4].map((n) => ({
    name: `240/min, ${n} worker${n > 1 ? 's' : ''} told 240, shared`,
    range: KEY_RANGE,
    rateLimit: WINDOW,
    workers: workers(n, TOLD_240),
    idealS: (COINS.length * PER_COIN) / 4,
  })),
  ...[2, 4].map((n) => ({
    name: `240/min, ${n} workers untold, shared`,
    range: KEY_RANGE,
    rateLimit: WINDOW,
    workers: workers(n, []),
    idealS: (COINS.length * PER_COIN) / 4,
  })),
  // Before issue #12: the limit split by hand, each worker its own (RATE_LIMIT_SCOPE=process).
  {
    name: '240/min, 2 workers told 120 each, process scope',
    range: KEY_RANGE,
    rateLimit: WINDOW,
    workers: workers(2, ['--rate-limit', '120', '--set', 'RATE_LIMIT_SCOPE=process']),
    idealS: (COINS.length * PER_COIN) / 4,
  },
];

const CRAWLERS = (process.env.CRAWLERS ?? `this=${ROOT}`).split(',').map((entry) => {
  const [label, dir] = entry.split('=');
  return { label, dir: path.resolve(dir) };
});

function crawler(dir: string, args: string[], databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'crawl.ts', ...args], {
    cwd: dir,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      CRAWLER_PROGRESS_BAR: 'off',
      CRAWLER_WORKER_POLL_INTERVAL: '0.2',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function settled(db: TestDatabase, jobs: number): Promise<void> {
  for (;;) {
    const rows = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'backfill'`);
    if (rows.length >= jobs && rows.every((row) => row.state === 'completed')) return;
    if (rows.some((row) => row.state === 'failed')) throw new Error('a backfill job failed');
    await sleep(100);
  }
}

async function run(mock: MockApi, scenario: Scenario, label: string, dir: string): Promise<string> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-workers-'));
  mock.configure({ rateLimit: scenario.rateLimit });
  const common = ['--api-url', mock.url, '--data-dir', dataDir];
  // The queue and the tables are made once, before the clock starts.
  await new Promise((resolve) =>
    crawler(dir, ['migrate', '--data-dir', dataDir], db.url).on('close', resolve),
  );
  const workers = scenario.workers.map((extra) => crawler(dir, ['worker', ...common, ...extra], db.url));
  await sleep(4000); // every worker started and polling
  const since = mock.requests.length;
  const started = Date.now();
  const queued = await new Promise<number | null>((resolve) =>
    crawler(dir, ['backfill', ...scenario.range, '--data-dir', dataDir], db.url).on('close', resolve),
  );
  if (queued !== 0) throw new Error(`backfill exited ${queued}`);
  const jobs = (
    await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'backfill'`)
  )[0].n;
  await settled(db, Number(jobs));
  const wallS = (Date.now() - started) / 1000;
  const records = mock.requests.slice(since);
  const stored = (await db.query<{ n: string }>('SELECT count(*) AS n FROM coingecko_scraped_data'))[0].n;
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.on('close', resolve))));
  await db.drop();
  const ok = records.filter((r) => r.status === 200).length;
  const limited = records.filter((r) => r.status === 429).length;
  const days = new Set(records.filter((r) => r.status === 200).map((r) => `${r.coinId} ${r.date}`)).size;
  const pct = records.length ? ((100 * limited) / records.length).toFixed(1) : '0';
  // Refusals while the first window was learned: an untold limit is learned once per key.
  const firstWindowEnd = (records[0]?.at ?? 0) + (scenario.rateLimit?.windowMs ?? 0);
  const early = records.filter((r) => r.status === 429 && r.at < firstWindowEnd).length;
  const ideal = scenario.idealS ? `${(wallS / scenario.idealS).toFixed(2)}x` : '-';
  return (
    `| ${label} | ${scenario.name} | ${jobs} | ${stored} | ${ok} (${ok - days} twice) | ${limited} (${pct} %; ${early} in the first window) | ` +
    `${wallS.toFixed(1)} | ${ideal} |`
  );
}

async function main(): Promise<void> {
  const mock = await startMockApi({ latencyMs: 100 });
  const rows = [
    '| crawler | scenario | jobs | days stored | 200s | 429s | wall s | x ideal |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const only = process.env.SCENARIOS ? new RegExp(process.env.SCENARIOS) : undefined;
  try {
    for (const scenario of SCENARIOS.filter((s) => !only || only.test(s.name))) {
      for (const { label, dir } of CRAWLERS) {
        const row = await run(mock, scenario, label, dir);
        console.error(row);
        rows.push(row);
      }
    }
  } finally {
    await mock.close();
  }
  console.log(rows.join('\n'));
}

void main();
