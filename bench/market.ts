// Why: the whole market through the queue (issue #12): `backfill --top N` over the last 365 days
// (one market-chart job, one request, per coin), run by 4 workers against the mock limited to 500
// requests a minute, each worker told its share (RATE_LIMIT / 4: until the shared limiter lands, the
// split is by hand). Reports wall time against the ideal (N requests at 500/min, plus the ranking),
// rows stored and 429s. Real Postgres (127.0.0.1:5432, a fresh database), the project's mock API in
// this process, workers as `node dist/crawl.js` processes.
// Run: TOP=500 WORKERS=4 npx tsx bench/market.ts
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

function crawler(args: string[], databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['dist/crawl.js', ...args], {
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
    const [{ done, failed }] = await db.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE state = 'completed')::int AS done,
              count(*) FILTER (WHERE state = 'failed')::int AS failed FROM pgboss.job WHERE name = 'backfill'`,
    );
    if (failed > 0) throw new Error(`${failed} backfill jobs failed`);
    if (done >= jobs) return;
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const mock = await startMockApi({ plan: 'public', rateLimit: { limit: PER_MINUTE, windowMs: 60_000 } });
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-market-'));
  const common = ['--api-url', mock.url, '--data-dir', dataDir];
  let workers: ChildProcess[] = [];
  try {
    await new Promise((resolve) => crawler(['migrate', '--data-dir', dataDir], db.url).on('close', resolve));
    const share = String(PER_MINUTE / WORKERS);
    workers = Array.from({ length: WORKERS }, () =>
      crawler(['worker', ...common, '--rate-limit', share], db.url),
    );
    await sleep(5000); // every worker started and polling
    const since = mock.requests.length;
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) =>
      crawler(['backfill', '--top', String(TOP), ...common], db.url).on('close', resolve),
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
    console.log(
      [
        '| coins | workers | told | jobs | rows | requests | 429s | backfill queued s | wall s | ideal s | × ideal |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        `| ${coins} | ${WORKERS} | ${PER_MINUTE}/min (${share} each) | ${TOP} | ${rows} | ${requests} | ${limited} | ` +
          `${queuedS.toFixed(1)} | ${wallS.toFixed(1)} | ${idealS.toFixed(1)} | ${(wallS / idealS).toFixed(2)} |`,
      ].join('\n'),
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
  process.exit(0);
}

void main();
