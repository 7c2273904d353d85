// Why: what bench/throughput.ts and bench/rate-limit.ts share: start the mock API, wait for the machine to
// be idle, and time one crawl under /usr/bin/time while measuring the CPU other jobs used meanwhile.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const RESULTS = path.join(ROOT, 'bench', 'results');
export const ATTEMPTS = 3; // a run disturbed by other jobs on the machine is run again, at most this many times
const TICK = 100; // clock ticks per second in /proc (getconf CLK_TCK)
const QUIET_WAIT_S = Number(process.env.QUIET_WAIT_S ?? 120);

/**
 * The crawler as installed: the compiled bin, `node dist/crawl.js` (npx would add its own 0.6 s, npm
 * run more). OURS_FROM=source runs crawl.ts through tsx instead, for a commit from before dist/.
 */
export const OURS =
  process.env.OURS_FROM === 'source'
    ? [process.execPath, '--import', 'tsx', 'crawl.ts']
    : [process.execPath, 'dist/crawl.js'];
/** Where the crawler is run from: this tree, or (env CRAWLER_DIR) e.g. a `git archive` of one commit. */
export const CRAWLER_DIR = path.resolve(process.env.CRAWLER_DIR ?? ROOT);
export const SCRAPY_CWD = path.join(ROOT, 'bench', 'scrapy_reference');
export const SCRAPY = ['/usr/bin/python3', '-m', 'scrapy', 'crawl', 'coingecko_spider'];

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
    await sleep(1000);
    if (machineBusyS() - busy0 < 0.15) break;
  }
  return (Date.now() - started) / 1000;
}

export interface Mock {
  pid: number;
  url: string;
  log: string;
  stop: () => Promise<void>;
}

/** Starts the mock API on a free port with these extra arguments; its stdout goes to `log`. */
export async function startMock(args: string[], log: string): Promise<Mock> {
  const out = fs.openSync(log, 'w');
  const mockArgs = ['--import', 'tsx', 'test/mock-api/main.ts', '--port', '0', ...args];
  const child: ChildProcess = spawn(process.execPath, mockArgs, {
    cwd: ROOT,
    stdio: ['ignore', out, 'inherit'],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; waited < 30_000; waited += 50) {
    const match = /listening on (\S+)/.exec(fs.readFileSync(log, 'utf8'));
    if (match) {
      const stop = async (): Promise<void> => {
        child.kill('SIGTERM');
        await exited;
      };
      return { pid: child.pid!, url: match[1], log, stop };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGTERM');
  throw new Error(`the mock API did not start (${log})`);
}

export interface Timed {
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number; // user + sys of the whole process tree
  peakRssMb: number; // max RSS of the largest process of the tree (getrusage of children), not a sum
  mockCpuS: number;
  otherCpuS: number; // busy CPU on the machine during the run not used by the crawler or the mock
  noisy: boolean; // otherCpuS too high: the caller runs it again and leaves it out of the medians
  waitedS: number; // waited for the machine to be idle before the run
  exitCode: number;
  log: string;
}

/** Runs [cmd, ...args] once under /usr/bin/time, output to `log`, after waiting for an idle machine. */
export async function timed(argv: string[], cwd: string, log: string, mock: Mock): Promise<Timed> {
  const timeFile = `${log}.time`;
  const out = fs.openSync(log, 'w');
  const waitedS = await waitForQuiet();
  const [mock0, busy0] = [procCpuS(mock.pid), machineBusyS()];
  const res = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', ...argv], {
    cwd,
    stdio: ['ignore', out, out],
  });
  const [mockCpuS, busyS] = [procCpuS(mock.pid) - mock0, machineBusyS() - busy0];
  fs.closeSync(out);
  const timeLine = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
  const [wallS, userS, sysS, rssKb] = timeLine.split(' ').map(Number);
  const otherCpuS = Math.max(0, busyS - userS - sysS - mockCpuS);
  return {
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
}

/** usd_price of each file in `dataDir`/raw, by file name. */
export function readPrices(dataDir: string): Map<string, number> {
  const raw = path.join(dataDir, 'raw');
  const prices = new Map<string, number>();
  for (const name of fs.existsSync(raw) ? fs.readdirSync(raw) : []) {
    prices.set(name, JSON.parse(fs.readFileSync(path.join(raw, name), 'utf8')).usd_price);
  }
  return prices;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Where and on what: commit of this tree (+dirty when src/ or crawl.ts differ), CPU, node, CRAWLER_DIR. */
export function machine(): Record<string, string | number | undefined> {
  const git = (...args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = git('status', '--porcelain', 'src', 'crawl.ts') ? '+dirty' : '';
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    commit: git('rev-parse', '--short', 'HEAD') + dirty,
    crawlerDir: CRAWLER_DIR === ROOT ? '.' : CRAWLER_DIR, // when set, `commit` is not the crawler's
  };
}

export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
