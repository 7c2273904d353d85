// Why: what more workers buy on a backfill through the job queue. Without a rate limit, two workers
// should take about half the time of one; under a rate limit they can only share it, and giving each
// its share (--rate-limit) should cost no time and draw no 429s. Real Postgres (127.0.0.1:5432, a
// fresh database per scenario), the project's mock API with 100 ms of latency, workers as processes.
// Run: npx tsx bench/workers.ts
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
}

const YEAR = ['-c', 'bitcoin', '-s', '2023-01-01', '-e', '2023-12-31'];
const HALF_YEAR = ['-c', 'bitcoin', '-s', '2023-01-01', '-e', '2023-06-30'];
const WINDOW: MockRateLimit = { limit: 20, windowMs: 5000 };

const SCENARIOS: Scenario[] = [
  { name: 'no limit, 1 worker', range: YEAR, workers: [['--concurrency', '2']] },
  {
    name: 'no limit, 2 workers',
    range: YEAR,
    workers: [
      ['--concurrency', '2'],
      ['--concurrency', '2'],
    ],
  },
  {
    name: '240/min, 1 worker told 240',
    range: HALF_YEAR,
    rateLimit: WINDOW,
    workers: [['--rate-limit', '240']],
  },
  {
    name: '240/min, 2 workers told 120 each',
    range: HALF_YEAR,
    rateLimit: WINDOW,
    workers: [
      ['--rate-limit', '120'],
      ['--rate-limit', '120'],
    ],
  },
  { name: '240/min, 2 workers untold', range: HALF_YEAR, rateLimit: WINDOW, workers: [[], []] },
];

function crawler(args: string[], databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'crawl.ts', ...args], {
    cwd: ROOT,
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

async function run(mock: MockApi, scenario: Scenario): Promise<string> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-workers-'));
  mock.configure({ rateLimit: scenario.rateLimit });
  const common = ['--api-url', mock.url, '--data-dir', dataDir];
  // The queue and the tables are made once, before the clock starts.
  await new Promise((resolve) => crawler(['migrate', '--data-dir', dataDir], db.url).on('close', resolve));
  const workers = scenario.workers.map((extra) => crawler(['worker', ...common, ...extra], db.url));
  await sleep(4000); // every worker started and polling
  const since = mock.requests.length;
  const started = Date.now();
  const queued = await new Promise<number | null>((resolve) =>
    crawler(['backfill', ...scenario.range, '--data-dir', dataDir], db.url).on('close', resolve),
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
  return `| ${scenario.name} | ${jobs} | ${stored} | ${ok} | ${limited} | ${wallS.toFixed(1)} |`;
}

async function main(): Promise<void> {
  const mock = await startMockApi({ latencyMs: 100 });
  const rows = [
    '| scenario | jobs | days stored | 200s | 429s | wall s |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  try {
    for (const scenario of SCENARIOS) rows.push(await run(mock, scenario));
  } finally {
    await mock.close();
  }
  console.log(rows.join('\n'));
}

void main();
