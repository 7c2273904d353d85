// Why: measures this crawler against a reference Scrapy 2.8 spider (bench/scrapy_reference) on the same
// 2,000-day crawl to JSON files, against one mock API, so BENCHMARKS.md can say how the port compares.
// Run: npm run bench:throughput  (or: npx tsx bench/throughput.ts). Env: ROUNDS (default 3),
// QUIET_WAIT_S (default 120: before each run, wait up to this long for the machine to be idle),
// CRAWLER_DIR (default: this tree; where the crawler is run from), OURS_FROM=source (run crawl.ts with tsx
// instead of the compiled dist/crawl.js, for a commit from before the build), KEEP_NOISY=1 (see below).
import { loadavg, tmpdir } from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import {
  ATTEMPTS,
  CRAWLER_DIR,
  machine,
  markdownTable,
  median,
  Mock,
  OURS,
  readPrices,
  RESULTS,
  ROOT,
  SCRAPY,
  SCRAPY_CWD,
  stamp,
  startMock,
  timed,
  Timed,
} from './common';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
/**
 * KEEP_NOISY=1: on a machine that is never idle (shared by several jobs), keep the disturbed runs in the
 * medians instead of repeating them; ours and Scrapy's still alternate, so both meet the same load.
 */
const KEEP_NOISY = process.env.KEEP_NOISY === '1';
const COIN = 'mockcoin';
const START = '2015-01-01';
const END = '2020-06-22'; // START + 1,999 days: 2,000 days
const DAYS = 2000;
const CONCURRENCY = 16;

type Crawler = 'ours' | 'scrapy';
type Kind = 'startup' | 'full'; // startup: a 1-day crawl
interface Run extends Timed {
  crawler: Crawler;
  kind: Kind;
  round: number;
  attempt: number;
  items: number;
}

function command(crawler: Crawler, apiUrl: string, dataDir: string, end: string): [string[], string] {
  if (crawler === 'ours') {
    const args = ['--coin-id', COIN, '--start-date', START, '--end-date', end, '--api-url', apiUrl];
    args.push('--data-dir', dataDir, '--concurrency', String(CONCURRENCY));
    args.push('--set', 'PROGRESS_BAR=off', '--log-level', 'warn');
    return [[...OURS, ...args], CRAWLER_DIR];
  }
  const args = ['-a', `coin_id=${COIN}`, '-a', `start_date=${START}`, '-a', `end_date=${end}`];
  args.push('-s', `API_URL=${apiUrl}`, '-s', `DATA_DIR=${dataDir}`);
  return [[...SCRAPY, ...args], SCRAPY_CWD];
}

/** One crawl into a fresh data dir; returns its measures and the usd_price of each file. */
async function measure(
  crawler: Crawler,
  kind: Kind,
  round: number,
  attempt: number,
  mock: Mock,
  logDir: string,
): Promise<[Run, Map<string, number>]> {
  const dataDir = fs.mkdtempSync(path.join(tmpdir(), `bench-${crawler}-`));
  const [argv, cwd] = command(crawler, mock.url, dataDir, kind === 'full' ? END : START);
  const name = `${crawler}-${kind}-${round}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  const measured = await timed(argv, cwd, path.join(logDir, `${name}.log`), mock);
  const prices = readPrices(dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const run: Run = { crawler, kind, round, attempt, items: prices.size, ...measured };
  console.log(
    `${crawler.padEnd(6)} ${kind.padEnd(7)} #${round}: ${run.items} items, ${run.wallS.toFixed(2)} s wall, ` +
      `${run.cpuS.toFixed(2)} s CPU, ${run.peakRssMb.toFixed(0)} MB, mock ${run.mockCpuS.toFixed(2)} s CPU, ` +
      `other ${run.otherCpuS.toFixed(2)} s CPU${run.noisy ? ' (NOISY: run again)' : ''}, exit ${run.exitCode}`,
  );
  return [run, prices];
}

function summarize(runs: Run[], crawler: Crawler) {
  const pick = (kind: Kind): Run[] =>
    runs.filter((r) => r.crawler === crawler && r.kind === kind && (KEEP_NOISY || !r.noisy));
  const full = pick('full');
  const startWall = median(pick('startup').map((r) => r.wallS));
  const startCpu = median(pick('startup').map((r) => r.cpuS));
  return {
    crawler,
    fullRuns: full.length,
    itemsPerS: median(full.map((r) => DAYS / r.wallS)),
    itemsPerSExStartup: median(full.map((r) => DAYS / (r.wallS - startWall))),
    startupWallS: startWall,
    startupCpuS: startCpu,
    cpuSPer1k: median(full.map((r) => (r.cpuS / DAYS) * 1000)),
    cpuSPer1kExStartup: median(full.map((r) => ((r.cpuS - startCpu) / DAYS) * 1000)),
    peakRssMb: median(full.map((r) => r.peakRssMb)),
    mockCpuSPer1k: median(full.map((r) => (r.mockCpuS / DAYS) * 1000)),
  };
}

function table(summary: ReturnType<typeof summarize>[]): string {
  const header = ['crawler', 'items/s', 'items/s ex start-up', 'start-up wall s', 'CPU s / 1k items'];
  header.push('CPU s / 1k ex start-up', 'peak RSS MB', 'mock CPU s / 1k items');
  const cells = (s: ReturnType<typeof summarize>): number[] => [
    s.itemsPerS,
    s.itemsPerSExStartup,
    s.startupWallS,
    s.cpuSPer1k,
    s.cpuSPer1kExStartup,
    s.peakRssMb,
    s.mockCpuSPer1k,
  ];
  const digits = [0, 0, 2, 2, 2, 0, 2];
  const rows = summary.map((s) => [s.crawler, ...cells(s).map((x, i) => x.toFixed(digits[i]))]);
  const [ours, scrapy] = summary.map(cells);
  rows.push(['ours / scrapy', ...ours.map((x, i) => `${(x / scrapy[i]).toFixed(2)}×`)]);
  return markdownTable(header, rows);
}

async function main(): Promise<void> {
  const ts = stamp();
  const logDir = path.join(RESULTS, `throughput-${ts}-logs`);
  fs.mkdirSync(logDir, { recursive: true });
  const mock = await startMock(['--quiet'], path.join(logDir, 'mock.log'));
  console.log(`mock API at ${mock.url}; ${ROUNDS} rounds; load average ${loadavg().join(' ')}`);
  const runs: Run[] = [];
  const problems: string[] = [];
  let reference: Map<string, number> | undefined;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of ['startup', 'full'] as Kind[]) {
        for (const crawler of ['ours', 'scrapy'] as Crawler[]) {
          let run: Run, prices: Map<string, number>;
          let attempt = 0;
          do {
            [run, prices] = await measure(crawler, kind, round, ++attempt, mock, logDir);
            runs.push(run);
          } while (run.noisy && !KEEP_NOISY && attempt < ATTEMPTS);
          if (run.noisy && !KEEP_NOISY)
            problems.push(`${crawler} ${kind} #${round}: still disturbed after ${ATTEMPTS} attempts`);
          const want = kind === 'full' ? DAYS : 1;
          if (run.exitCode !== 0 || run.items !== want) {
            problems.push(
              `${crawler} ${kind} #${round}: exit ${run.exitCode}, ${run.items}/${want} files (${run.log})`,
            );
          }
          if (kind === 'full') {
            reference ??= prices;
            const diff = [...reference].filter(([file, usd]) => prices.get(file) !== usd).length;
            if (diff || prices.size !== reference.size) {
              problems.push(
                `${crawler} full #${round}: ${diff} files differ in name or usd_price from the first`,
              );
            }
          }
        }
      }
    }
  } finally {
    await mock.stop();
  }

  const summary = [summarize(runs, 'ours'), summarize(runs, 'scrapy')];
  const md = table(summary);
  const file = path.join(RESULTS, `throughput-${ts}.json`);
  const config = { rounds: ROUNDS, days: DAYS, concurrency: CONCURRENCY, coin: COIN, start: START, end: END };
  const result = { stamp: ts, machine: machine(), config, summary, table: md, runs, problems };
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  const noisy = runs.filter((r) => r.noisy).length;
  console.log(
    `\nMedians of ${ROUNDS} rounds (${noisy} disturbed runs repeated), ${DAYS} days each:\n\n${md}\n`,
  );
  console.log(
    problems.length
      ? `PROBLEMS:\n${problems.join('\n')}`
      : `verified: ${DAYS} files per full run, equal usd_price`,
  );
  console.log(`raw results: ${path.relative(ROOT, file)}`);
  process.exitCode = problems.length ? 1 : 0;
}

void main();
