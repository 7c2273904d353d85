// Why: the whole market through the queue (issue #12): `backfill --top N` over the last 365 days
// (one market-chart job, one request, per coin), run by 4 workers against the mock limited to 500
// requests a minute, each worker told the whole 500/min and sharing it through Postgres
// (RATE_LIMIT_SCOPE=database, the workers' default). Reports wall time against the ideal (N requests
// at 500/min, plus the ranking), rows stored and 429s. Real Postgres (127.0.0.1:5432, a fresh database
// per crawler), the project's mock API in this process, workers as `node dist/crawl.js` processes.
// Run: TOP=500 WORKERS=4 npx tsx bench/market.ts
// Env: TOP, WORKERS, PER_MINUTE; CRAWLERS=label=dir,label=dir to run other trees' builds one after the
// other in the same run (before and after: e.g. a `git worktree` of the base commit, built), default
// this tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, TestDatabase } from '../test/helpers/database';
import { startMockApi } from '../test/mock-api/server';

const ROOT = path.resolve(__dirname, '..');
const TOP = Number(process.env.TOP ?? 500);
const WORKERS = Number(process.env.WORKERS ?? 4);
const PER_MINUTE = Number(process.env.PER_MINUTE ?? 500);

const CRAWLERS = (process.env.CRAWLERS ?? `this=${ROOT}`).split(',').map((entry) => {
  const [label, dir] = entry.split('=');
  return { label, dir: path.resolve(dir) };
});

function crawler(dir: string, args: string[], databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['dist/crawl.js', ...args], {
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
    const [{ done, failed }] = await db.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE state = 'completed')::int AS done,
              count(*) FILTER (WHERE state = 'failed')::int AS failed FROM pgboss.job WHERE name = 'backfill'`,
    );
    if (failed > 0) throw new Error(`${failed} backfill jobs failed`);
    if (done >= jobs) return;
    await sleep(200);
  }
}

/** One crawler tree's run: its row of the table. */
async function run(label: string, dir: string): Promise<string> {
  const mock = await startMockApi({ plan: 'public', rateLimit: { limit: PER_MINUTE, windowMs: 60_000 } });
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-market-'));
  const common = ['--api-url', mock.url, '--data-dir', dataDir];
  let workers: ChildProcess[] = [];
  try {
    await new Promise((resolve) =>
      crawler(dir, ['migrate', '--data-dir', dataDir], db.url).on('close', resolve),
    );
    workers = Array.from({ length: WORKERS }, () =>
      crawler(dir, ['worker', ...common, '--rate-limit', String(PER_MINUTE)], db.url),
    );
    await sleep(5000); // every worker started and polling
    const since = mock.requests.length;
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) =>
      crawler(dir, ['backfill', '--top', String(TOP), ...common], db.url).on('close', resolve),
    );
    if (code !== 0) throw new Error(`backfill exited ${code}`);
    const queuedS = (Date.now() - started) / 1000;
    await settled(db, TOP);
    const wallS = (Date.now() - started) / 1000;
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.on('close', resolve))));
    const records = mock.requests.slice(since);
    const [{ rows, coins }] = await db.query<{ rows: string; coins: string }>(
      'SELECT count(*) AS rows, count(DISTINCT coin_id) AS coins FROM coingecko_scraped_data',
    );
    const requests = records.length;
    const limited = records.filter((r) => r.status === 429).length;
    // N + pages requests evenly spaced at PER_MINUTE take (n - 1) intervals.
    const idealS = ((requests - limited - 1) * 60) / PER_MINUTE;
    return (
      `| ${label} | ${coins} | ${WORKERS} | ${PER_MINUTE}/min shared | ${TOP} | ${rows} | ${requests} | ${limited} | ` +
      `${queuedS.toFixed(1)} | ${wallS.toFixed(1)} | ${idealS.toFixed(1)} | ${(wallS / idealS).toFixed(2)} |`
    );
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGTERM');
    await Promise.all(
      workers.map(
        (worker) => worker.exitCode === null && new Promise((resolve) => worker.on('close', resolve)),
      ),
    );
    await db.drop();
    await mock.close();
  }
}

async function main(): Promise<void> {
  const rows = [
    '| crawler | coins | workers | told | jobs | rows | requests | 429s | backfill queued s | wall s | ideal s | × ideal |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { label, dir } of CRAWLERS) {
    const row = await run(label, dir);
    console.error(row);
    rows.push(row);
  }
  console.log(rows.join('\n'));
  process.exit(0);
}

void main();
