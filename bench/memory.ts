// Why: issue #12 asks that memory not grow with the size of a crawl. Measures the crawler's peak RSS
// (Node's default heap, the compiled bin) for crawls of about 1,000, 10,000 and 100,000 coin-days, to
// files only and with --db-store, against the project's mock API and the machine's Postgres. Wall time
// is printed too, but only RSS is the point: run it on a quiet machine for the times to mean anything.
// Run: npx tsx bench/memory.ts   Env: SIZES (default "1000,10000,100000"), DB=0 (files only).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/database';
import { startMockApi } from '../test/mock-api/server';
import { generatedId, GENERATED_FIRST_DATE } from '../test/mock-api/generated-coins';
import { machine, markdownTable, OURS, ROOT } from './common';

const SIZES = (process.env.SIZES ?? '1000,10000,100000').split(',').map(Number);
const WITH_DB = process.env.DB !== '0';
/** Days per generated coin: 2020-01-01 .. 2026-09-01, the same for every size (coins make the size). */
const DAYS_PER_COIN = 2436;
const LAST_DAY = '2026-09-01';

/** Coins and range for about `size` coin-days: one coin for small sizes, more coins of full ranges above. */
function range(size: number): { args: string[]; days: number } {
  if (size <= DAYS_PER_COIN) {
    const end = new Date(Date.parse(GENERATED_FIRST_DATE) + (size - 1) * 86_400_000);
    return {
      args: ['-c', generatedId(1), '-s', GENERATED_FIRST_DATE, '-e', end.toISOString().slice(0, 10)],
      days: size,
    };
  }
  const coins = Math.round(size / DAYS_PER_COIN);
  const ids = Array.from({ length: coins }, (_, k) => generatedId(k + 1));
  return { args: ['-c', ...ids, '-s', GENERATED_FIRST_DATE, '-e', LAST_DAY], days: coins * DAYS_PER_COIN };
}

function run(args: string[], env: Record<string, string>): Promise<{ wallS: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', ...OURS, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const [wall, rss] = stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
      if (code !== 0 || !Number.isFinite(wall))
        return reject(new Error(`crawl exited ${code}\n${stderr.slice(-2000)}`));
      resolve({ wallS: wall, peakRssMb: Math.round(rss / 1024) });
    });
  });
}

async function main(): Promise<void> {
  const mock = await startMockApi({ keepRequests: false } as never);
  const rows: string[][] = [];
  const common = ['--api-url', mock.url, '--set', 'PROGRESS_BAR=off', '--log-level', 'warn'];
  common.push('--concurrency', '16');
  try {
    for (const store of WITH_DB ? ['files', 'db'] : ['files']) {
      for (const size of SIZES) {
        const { args, days } = range(size);
        const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-memory-'));
        const db = store === 'db' ? await createTestDatabase() : undefined;
        try {
          const extra = db ? ['-d'] : [];
          const env: Record<string, string> = db ? { DATABASE_URL: db.url } : {};
          const measured = await run([...args, '--data-dir', dataDir, ...extra, ...common], env);
          const files = readdirSync(path.join(dataDir, 'raw')).length;
          if (files !== days) throw new Error(`${days} days crawled but ${files} files written`);
          rows.push([store, String(days), String(measured.peakRssMb), measured.wallS.toFixed(1)]);
          console.log(rows[rows.length - 1].join('\t'));
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
          await db?.drop();
        }
      }
    }
  } finally {
    await mock.close();
  }
  console.log(JSON.stringify(machine()));
  console.log(markdownTable(['store', 'coin-days', 'peak RSS (MB)', 'wall (s)'], rows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
