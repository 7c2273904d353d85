// Why: the 2019-01-01..2022-12-15 bitcoin backfill that cost the original project 1,445 requests
// (about 15 minutes), by each spider: requests sent, wall time, and the wall time a told limit of
// 30/min (the demo plan's) implies. Against the project's mock (no limit), one run each.
// Run: npx tsx bench/backfill.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockApi } from '../test/mock-api/server';

const ROOT = path.resolve(__dirname, '..');
const RANGE = ['-c', 'bitcoin', '-s', '2019-01-01', '-e', '2022-12-15'];
const TOLD_PER_MINUTE = 30;

async function main(): Promise<void> {
  const mock = await startMockApi();
  const rows: string[] = [
    '| spider | requests | days stored | wall s | at 30 requests/min |',
    '| --- | --- | --- | --- | --- |',
  ];
  try {
    for (const spider of ['coingecko_history', 'coingecko_market_chart']) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-backfill-'));
      const since = mock.requests.length;
      const started = Date.now();
      // Asynchronous: the mock answers from this very process.
      const code = await new Promise<number | null>((resolve) => {
        const args = ['--import', 'tsx', 'crawl.ts', ...RANGE, '--spider', spider, '--api-url', mock.url];
        spawn(process.execPath, [...args, '--data-dir', dataDir], {
          cwd: ROOT,
          env: { ...process.env, CRAWLER_PROGRESS_BAR: 'off', LOG_LEVEL: 'warn' },
          stdio: 'inherit',
        }).on('close', resolve);
      });
      const wallS = (Date.now() - started) / 1000;
      if (code !== 0) throw new Error(`${spider} exited ${code}`);
      const requests = mock.requests.length - since;
      const days = readdirSync(path.join(dataDir, 'raw')).length;
      // A told limit spaces requests evenly: n requests take (n - 1) intervals.
      const toldMinutes = (requests - 1) / TOLD_PER_MINUTE;
      rows.push(
        `| ${spider} | ${requests} | ${days} | ${wallS.toFixed(1)} | ${toldMinutes.toFixed(1)} min |`,
      );
    }
  } finally {
    await mock.close();
  }
  console.log(rows.join('\n'));
}

void main();
