// Why: measures the database store (issues #4 and #12) in one run, before and after, beside the
// machine's own limit: for each tree (BEFORE_DIR, e.g. a `git archive` of main, and this one), a
// 12,765-day crawl to files only, the same crawl with --db-store, and `reprocess` of its files; then
// `psql \copy` of the same rows into an empty table of the same shape; bytes per daily row with and
// without full_response, pglz against lz4; then, for each tree, the market-chart spider's rows (a
// small full_response) stored by a crawl and by reprocess, and reprocess's start-up. Uses the machine's Postgres on 127.0.0.1:5432 (a fresh
// database per run) and the project's mock API (no latency, no limit), in this process. Beside each
// run's own CPU, the server's: its backends' user + system seconds, read from /proc while the run lasts.
// Run: BEFORE_DIR=/tmp/crawler-main [AFTER_FIRST=1] npx tsx bench/db.ts   (each tree must have dist/ built)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, TestDatabase } from '../test/helpers/database';
import { startMockApi } from '../test/mock-api/server';

const ROOT = path.resolve(__dirname, '..');
/** bitcoin, ethereum and cardano over their whole CSV history: 12,765 coin-days. */
const FULL = ['-c', 'bitcoin', 'ethereum', 'cardano', '-s', '2013-04-28', '-e', '2024-12-20'];

interface Measured {
  tree: string;
  run: string;
  wallS: number;
  cpuS: number;
  /** CPU of the Postgres backends serving the run (this machine's server, read from /proc). */
  pgCpuS: number;
  peakRssMb: number;
  rows: number;
  rowsPerS: number;
}

/** `node dist/crawl.js` of `tree` under /usr/bin/time: wall s, CPU s (user + sys), peak RSS MB. */
function timed(tree: string, args: string[], env: Record<string, string>) {
  return new Promise<{ wallS: number; cpuS: number; peakRssMb: number }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, 'dist/crawl.js', ...args], {
      cwd: tree,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const [wall, user, sys, rss] = stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
      if (code !== 0 || !Number.isFinite(wall))
        return reject(
          new Error(`${tree}: crawl.js ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`),
        );
      resolve({ wallS: wall, cpuS: user + sys, peakRssMb: Math.round(rss / 1024) });
    });
  });
}

async function count(db: TestDatabase): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM coingecko_scraped_data');
  return Number(n);
}

/** `psql -c \copy ...` wall seconds. */
async function psqlCopy(url: string, command: string): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`))));
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** User + system CPU seconds of a process, from /proc (the server runs on this machine). */
function processCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `work`, and the CPU seconds of the server's backends on `db` meanwhile (every other connection to
 * it: the crawl's, psql's), sampled every 50 ms: on a shared machine the steadier measure of what
 * the store costs the server. A backend's last 50 ms before it ends may be missed.
 */
async function withServerCpu<T>(db: TestDatabase | undefined, work: () => Promise<T>): Promise<[T, number]> {
  if (!db) return [await work(), 0];
  const seen = new Map<number, number>();
  let running = true;
  const sampler = (async () => {
    while (running) {
      const backends = await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      for (const { pid } of backends) {
        try {
          seen.set(pid, processCpuS(pid));
        } catch {
          // It ended between the query and the read: its last sample stands.
        }
      }
      await sleep(50);
    }
  })();
  try {
    return [await work(), [...seen.values()].reduce((sum, cpu) => sum + cpu, 0)];
  } finally {
    running = false;
    await sampler;
  }
}

async function main(): Promise<void> {
  const trees: [string, string][] = [
    ...(process.env.BEFORE_DIR ? [['before', process.env.BEFORE_DIR] as [string, string]] : []),
    ['after', ROOT],
  ];
  // AFTER_FIRST=1: this tree first (a second run in the other order evens out a load that drifts).
  if (process.env.AFTER_FIRST) trees.reverse();
  const mock = await startMockApi({ keepRequests: false } as never);
  const results: Measured[] = [];
  const push = (
    tree: string,
    run: string,
    m: { wallS: number; cpuS: number; pgCpuS: number; peakRssMb: number },
    rows: number,
  ) => results.push({ tree, run, ...m, rows, rowsPerS: Math.round(rows / m.wallS) });
  /** `crawl.js args` of `dir` under /usr/bin/time, with its server's CPU when it stores to `db`. */
  const crawl = async (dir: string, args: string[], db?: TestDatabase) => {
    const [m, pgCpuS] = await withServerCpu(db, () => timed(dir, args, db ? { DATABASE_URL: db.url } : {}));
    return { ...m, pgCpuS: Math.round(pgCpuS * 100) / 100 };
  };
  const quiet = ['--set', 'PROGRESS_BAR=off', '--log-level', 'warn'];
  const common = ['--api-url', mock.url, ...quiet, '--concurrency', '16'];
  let copyFile = '';
  let keepDb: TestDatabase | undefined;
  try {
    for (const [tree, dir] of trees) {
      const filesDir = mkdtempSync(path.join(tmpdir(), 'bench-db-files-'));
      push(
        tree,
        'crawl 12,765 days, files only',
        await crawl(dir, [...FULL, '--data-dir', filesDir, ...common]),
        12765,
      );

      const db = await createTestDatabase();
      const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-db-'));
      const stored = await crawl(dir, [...FULL, '--data-dir', dataDir, '-d', ...common], db);
      push(tree, 'crawl 12,765 days, --db-store', stored, await count(db));

      await db.query('TRUNCATE coingecko_scraped_data, coingecko_processed_data');
      const files = readdirSync(path.join(dataDir, 'raw')).length;
      const reprocess = await crawl(dir, ['reprocess', '--data-dir', dataDir, ...quiet], db);
      push(tree, `reprocess ${files.toLocaleString('en')} files`, reprocess, await count(db));
      if (tree === 'after') {
        copyFile = path.join(dataDir, 'rows.copy');
        await psqlCopy(db.url, `\\copy coingecko_scraped_data TO '${copyFile}'`);
        keepDb = db;
      } else await db.drop();
    }

    // The machine's limit: the same rows, COPY'd by psql into an empty table of the same shape.
    for (const [shape, compression] of [
      ['lz4 (after)', 'lz4'],
      ['pglz (before)', 'pglz'],
    ]) {
      await keepDb!.query(`DROP TABLE IF EXISTS copy_target`);
      await keepDb!.query(`CREATE TABLE copy_target (LIKE coingecko_scraped_data INCLUDING ALL)`);
      await keepDb!.query(
        `ALTER TABLE copy_target ALTER COLUMN full_response SET COMPRESSION ${compression}`,
      );
      const [wallS, pgCpuS] = await withServerCpu(keepDb, () =>
        psqlCopy(keepDb!.url, `\\copy copy_target FROM '${copyFile}'`),
      );
      const [{ n }] = await keepDb!.query<{ n: string }>('SELECT count(*) AS n FROM copy_target');
      push(
        'psql',
        `\\copy into an empty table, full_response ${shape}`,
        { wallS, cpuS: 0, pgCpuS: Math.round(pgCpuS * 100) / 100, peakRssMb: 0 },
        Number(n),
      );
    }

    // Bytes per row: the same rows with full_response in pglz, in lz4, and without it.
    const sizes: Record<string, number> = {};
    for (const [name, sql] of [
      ['full_response, pglz', `ALTER TABLE copy_target ALTER COLUMN full_response SET COMPRESSION pglz`],
      ['full_response, lz4', `ALTER TABLE copy_target ALTER COLUMN full_response SET COMPRESSION lz4`],
      ['without full_response', 'SELECT 1'],
    ]) {
      await keepDb!.query('DROP TABLE IF EXISTS size_probe');
      await keepDb!.query('CREATE TABLE size_probe (LIKE coingecko_scraped_data INCLUDING ALL)');
      await keepDb!.query(sql.replace('copy_target', 'size_probe'));
      const payload = name === 'without full_response' ? 'NULL' : 'full_response';
      await keepDb!.query(
        `INSERT INTO size_probe SELECT coin_id, date, usd_price, usd_market_cap, usd_total_volume, ${payload}, fetched_at
           FROM copy_target`,
      );
      await keepDb!.query('VACUUM ANALYZE size_probe');
      const [{ bytes, rows }] = await keepDb!.query<{ bytes: string; rows: string }>(
        `SELECT pg_total_relation_size('size_probe') AS bytes, (SELECT count(*) FROM size_probe) AS rows`,
      );
      sizes[name] = Math.round(Number(bytes) / Number(rows));
    }
    const [{ json_bytes }] = await keepDb!.query<{ json_bytes: string }>(
      'SELECT round(avg(length(full_response::text))) AS json_bytes FROM copy_target',
    );
    sizes['JSON text of full_response (average)'] = Number(json_bytes);
    await keepDb!.drop();

    // Market-chart rows (a small full_response each) and the start-up, for each tree.
    for (const [tree, dir] of trees) {
      const db = await createTestDatabase();
      const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-db-mc-'));
      const mc = [...FULL, '--spider', 'coingecko_market_chart', '--data-dir', dataDir, '-d', ...common];
      push(tree, 'market chart: crawl 12,765 days, --db-store', await crawl(dir, mc, db), await count(db));
      await db.query('TRUNCATE coingecko_scraped_data, coingecko_processed_data');
      push(
        tree,
        'market chart: reprocess 12,765 files',
        await crawl(dir, ['reprocess', '--data-dir', dataDir, ...quiet], db),
        await count(db),
      );
      const empty = mkdtempSync(path.join(tmpdir(), 'bench-db-empty-'));
      push(
        tree,
        'reprocess of no file (start-up)',
        await crawl(dir, ['reprocess', '--data-dir', empty, ...quiet], db),
        0,
      );
      await db.drop();
    }

    const lines = [
      '| tree | run | wall s | CPU s | server CPU s | rows | rows/s | peak RSS MB |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...results.map(
        (r) =>
          `| ${r.tree} | ${r.run} | ${r.wallS.toFixed(2)} | ${r.cpuS.toFixed(2)} | ${r.pgCpuS.toFixed(2)} | ${r.rows} | ${r.rowsPerS} | ${r.peakRssMb} |`,
      ),
      '',
      ...Object.entries(sizes).map(([name, bytes]) => `bytes per daily row, ${name}: ${bytes}`),
    ];
    console.log(lines.join('\n'));
    const out = path.join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, `db-${Date.now()}.json`), JSON.stringify({ results, sizes }, null, 2));
  } finally {
    await mock.close();
  }
  process.exit(0);
}

void main();
