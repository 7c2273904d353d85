// Why: measures the database store (issue #4): rows per second for a 10,000-day crawl stored to Postgres
// and for reprocessing 10,000 files, and the crawler's peak RSS at 1,000 and 10,000 days (it should stay
// flat: the postgres-store pipeline holds at most one batch). Uses the machine's Postgres on
// 127.0.0.1:5432 (a fresh database per run) and the project's mock API.
// Run: npm run bench:db   (or: npx tsx bench/db.ts)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/database';
import { startMockApi } from '../test/mock-api/server';

const ROOT = path.resolve(__dirname, '..');
/** bitcoin, ethereum and cardano over their whole CSV history: 10,300 coin-days. */
const FULL = ['-c', 'bitcoin', 'ethereum', 'cardano', '-s', '2013-04-28', '-e', '2024-12-20'];
/** 1,000 days of bitcoin. */
const SMALL = ['-c', 'bitcoin', '-s', '2020-01-01', '-e', '2022-09-26'];

interface Measured {
  name: string;
  wallS: number;
  peakRssMb: number;
  rows: number;
  rowsPerS: number;
}

/** Runs `crawl.ts` under /usr/bin/time; returns wall seconds and peak RSS in MB. */
function timed(args: string[], env: Record<string, string>): Promise<{ wallS: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%e %M', process.execPath, '--import', 'tsx', 'crawl.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const [wall, rss] = stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
      if (code !== 0 || !Number.isFinite(wall))
        return reject(new Error(`crawl.ts ${args.join(' ')} exited ${code}\n${stderr}`));
      resolve({ wallS: wall, peakRssMb: Math.round(rss / 1024) });
    });
  });
}

async function main(): Promise<void> {
  const mock = await startMockApi({ keepRequests: false } as never);
  const results: Measured[] = [];
  const common = [
    '--api-url',
    mock.url,
    '--set',
    'PROGRESS_BAR=off',
    '--log-level',
    'warn',
    '--concurrency',
    '16',
  ];
  try {
    for (const [name, range] of [
      ['crawl 1,000 days, --db-store', SMALL],
      ['crawl 10,300 days, --db-store', FULL],
    ] as const) {
      const db = await createTestDatabase();
      const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-db-'));
      const run = await timed([...range, '--data-dir', dataDir, '-d', ...common], { DATABASE_URL: db.url });
      const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM coingecko_scraped_data');
      results.push({ name, ...run, rows: Number(count), rowsPerS: Math.round(Number(count) / run.wallS) });

      if (range === FULL) {
        // The same files, loaded again into an empty database with no network.
        await db.query('TRUNCATE coingecko_scraped_data, coingecko_processed_data');
        const files = readdirSync(path.join(dataDir, 'raw')).length;
        const reprocess = await timed(
          ['reprocess', '--data-dir', dataDir, '--set', 'PROGRESS_BAR=off', '--log-level', 'warn'],
          {
            DATABASE_URL: db.url,
          },
        );
        const [{ count: again }] = await db.query<{ count: string }>(
          'SELECT count(*) FROM coingecko_scraped_data',
        );
        results.push({
          name: `reprocess ${files.toLocaleString('en')} files`,
          ...reprocess,
          rows: Number(again),
          rowsPerS: Math.round(Number(again) / reprocess.wallS),
        });
      }
      await db.drop();
    }
  } finally {
    await mock.close();
  }

  const lines = [
    '| run | wall s | rows | rows/s | peak RSS MB |',
    '| --- | --- | --- | --- | --- |',
    ...results.map(
      (r) => `| ${r.name} | ${r.wallS.toFixed(2)} | ${r.rows} | ${r.rowsPerS} | ${r.peakRssMb} |`,
    ),
  ];
  const ratio = results[1].peakRssMb / results[0].peakRssMb;
  lines.push('', `peak RSS 10,300 days / 1,000 days: ${ratio.toFixed(2)}x`);
  console.log(lines.join('\n'));
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `db-${Date.now()}.json`), JSON.stringify(results, null, 2));
  process.exit(0);
}

void main();
