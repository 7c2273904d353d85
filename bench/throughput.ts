// Why: measures this crawler against a reference Scrapy 2.8 spider (bench/scrapy_reference) on the same
// 2,000-day crawl to JSON files, against one mock API, so BENCHMARKS.md can say how the port compares.
// Run: npm run bench:throughput  (or: npx tsx bench/throughput.ts). Env: ROUNDS (default 3),
// QUIET_WAIT_S (default 120: before each run, wait up to this long for the machine to be idle).
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const QUIET_WAIT_S = Number(process.env.QUIET_WAIT_S ?? 120);
const ATTEMPTS = 3; // a run disturbed by other jobs on the machine is run again, at most this many times
const COIN = 'mockcoin';
const START = '2015-01-01';
const END = '2020-06-22'; // START + 1,999 days: 2,000 days
const DAYS = 2000;
const CONCURRENCY = 16;
const TICK = 100; // clock ticks per second in /proc (getconf CLK_TCK)

type Crawler = 'ours' | 'scrapy';
type Kind = 'startup' | 'full'; // startup: a 1-day crawl
interface Run {
  crawler: Crawler;
  kind: Kind;
  round: number;
  attempt: number;
  items: number;
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number; // user + sys of the whole process tree (npx, tsx and node; or python)
  peakRssMb: number; // max RSS of the largest process of the tree (getrusage of children), not a sum
  mockCpuS: number;
  otherCpuS: number; // busy CPU on the machine during the run not used by the crawler or the mock
  noisy: boolean; // otherCpuS too high: the run is repeated and left out of the medians
  waitedS: number; // waited for the machine to be idle before the run
  exitCode: number;
  log: string;
}

function command(crawler: Crawler, apiUrl: string, dataDir: string, end: string): [string, string[], string] {
  if (crawler === 'ours') {
    const args = ['--coin-id', COIN, '--start-date', START, '--end-date', end, '--api-url', apiUrl];
    args.push('--data-dir', dataDir, '--concurrency', String(CONCURRENCY));
    args.push('--set', 'PROGRESS_BAR=off', '--log-level', 'warn');
    return ['npx', ['tsx', 'crawl.ts', ...args], ROOT];
  }
  const args = ['-a', `coin_id=${COIN}`, '-a', `start_date=${START}`, '-a', `end_date=${end}`];
  args.push('-s', `API_URL=${apiUrl}`, '-s', `DATA_DIR=${dataDir}`);
  return [
    '/usr/bin/python3',
    ['-m', 'scrapy', 'crawl', 'coingecko_spider', ...args],
    `${ROOT}/bench/scrapy_reference`,
  ];
}

function procCpuS(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
}

function machineBusyS(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system] = ticks; // irq and softirq time is charged to no process: left out
  return (user + nice + system) / TICK;
}

/** Waits (up to QUIET_WAIT_S) until the machine is idle, so other people's jobs do not skew a run. */
async function waitForQuiet(): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < QUIET_WAIT_S * 1000) {
    const busy0 = machineBusyS();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (machineBusyS() - busy0 < 0.15) break;
  }
  return (Date.now() - started) / 1000;
}

function readPrices(dataDir: string): Map<string, number> {
  const raw = path.join(dataDir, 'raw');
  const prices = new Map<string, number>();
  for (const name of fs.existsSync(raw) ? fs.readdirSync(raw) : []) {
    prices.set(name, JSON.parse(fs.readFileSync(path.join(raw, name), 'utf8')).usd_price);
  }
  return prices;
}

interface Mock {
  pid: number;
  url: string;
  stop: () => void;
}

async function startMock(): Promise<Mock> {
  const args = ['--import', 'tsx', 'test/mock-api/main.ts', '--port', '0', '--quiet'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /listening on (\S+)/.exec(line);
    if (match) return { pid: child.pid!, url: match[1], stop: () => child.kill('SIGTERM') };
  }
  throw new Error('the mock API exited before it was ready');
}

/** One crawl under /usr/bin/time into a fresh data dir; returns its measures and the usd_price of each file. */
async function measure(
  crawler: Crawler,
  kind: Kind,
  round: number,
  attempt: number,
  mock: Mock,
  logDir: string,
): Promise<[Run, Map<string, number>]> {
  const dataDir = fs.mkdtempSync(path.join(tmpdir(), `bench-${crawler}-`));
  const [cmd, args, cwd] = command(crawler, mock.url, dataDir, kind === 'full' ? END : START);
  const name = `${crawler}-${kind}-${round}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  const log = path.join(logDir, `${name}.log`);
  const timeFile = path.join(logDir, `${name}.time`);
  const out = fs.openSync(log, 'w');
  const waitedS = await waitForQuiet();
  const [mock0, busy0] = [procCpuS(mock.pid), machineBusyS()];
  const res = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', cmd, ...args], {
    cwd,
    stdio: ['ignore', out, out],
  });
  const [mockCpuS, busyS] = [procCpuS(mock.pid) - mock0, machineBusyS() - busy0];
  fs.closeSync(out);
  const timeLine = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
  const [wallS, userS, sysS, rssKb] = timeLine.split(' ').map(Number);
  const prices = readPrices(dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const otherCpuS = Math.max(0, busyS - userS - sysS - mockCpuS);
  const run: Run = {
    crawler,
    kind,
    round,
    attempt,
    items: prices.size,
    wallS,
    userS,
    sysS,
    cpuS: userS + sysS,
    peakRssMb: rssKb / 1024,
    mockCpuS,
    otherCpuS,
    noisy: otherCpuS > Math.max(0.5, 0.15 * wallS),
    waitedS,
    exitCode: res.status ?? -1,
    log: path.relative(ROOT, log),
  };
  console.log(
    `${crawler.padEnd(6)} ${kind.padEnd(7)} #${round}: ${run.items} items, ${wallS.toFixed(2)} s wall, ` +
      `${run.cpuS.toFixed(2)} s CPU, ${run.peakRssMb.toFixed(0)} MB, mock ${mockCpuS.toFixed(2)} s CPU, ` +
      `other ${otherCpuS.toFixed(2)} s CPU${run.noisy ? ' (NOISY: run again)' : ''}, exit ${run.exitCode}`,
  );
  return [run, prices];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summarize(runs: Run[], crawler: Crawler) {
  const pick = (kind: Kind): Run[] =>
    runs.filter((r) => r.crawler === crawler && r.kind === kind && !r.noisy);
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

function markdownTable(summary: ReturnType<typeof summarize>[]): string {
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
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(RESULTS, `throughput-${stamp}-logs`);
  fs.mkdirSync(logDir, { recursive: true });
  const mock = await startMock();
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
          } while (run.noisy && attempt < ATTEMPTS);
          if (run.noisy)
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
    mock.stop();
  }

  const summary = [summarize(runs, 'ours'), summarize(runs, 'scrapy')];
  const table = markdownTable(summary);
  const file = path.join(RESULTS, `throughput-${stamp}.json`);
  const git = (...args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', 'src', 'crawl.ts') ? '+dirty' : ''}`;
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version, commit };
  const config = { rounds: ROUNDS, days: DAYS, concurrency: CONCURRENCY, coin: COIN, start: START, end: END };
  fs.writeFileSync(file, JSON.stringify({ stamp, machine, config, summary, table, runs, problems }, null, 2));
  const noisy = runs.filter((r) => r.noisy).length;
  console.log(
    `\nMedians of ${ROUNDS} rounds (${noisy} disturbed runs repeated), ${DAYS} days each:\n\n${table}\n`,
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
