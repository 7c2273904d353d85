// Why: measures this crawler against a reference Scrapy 2.8 spider (bench/scrapy_reference) on the same
// 2,000-day crawl to JSON files, against one mock API, so BENCHMARKS.md can say how the port compares.
// Run: npm run bench:throughput  (or: npx tsx bench/throughput.ts). Env: ROUNDS (default 3).
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const COIN = 'mockcoin';
const START = '2015-01-01';
const END = '2020-06-22'; // START + 1,999 days: 2,000 days
const DAYS = 2000;
const CONCURRENCY = 16;
const TICK = 100; // clock ticks per second in /proc (getconf CLK_TCK)

type Crawler = 'ours' | 'scrapy';
type Kind = 'startup' | 'full';
interface Run {
  crawler: Crawler;
  kind: Kind;
  round: number;
  items: number;
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  peakRssMb: number; // max RSS of the largest process of the tree (getrusage of children), not a sum
  mockCpuS: number;
  otherCpuS: number; // busy CPU on the machine during the run not used by the crawler or the mock
  exitCode: number;
  log: string;
}

function command(crawler: Crawler, apiUrl: string, dataDir: string, end: string): [string, string[], string] {
  if (crawler === 'ours') {
    return [
      'npx',
      ['tsx', 'crawl.ts', '--coin-id', COIN, '--start-date', START, '--end-date', end, '--api-url', apiUrl,
        '--data-dir', dataDir, '--concurrency', String(CONCURRENCY), '--set', 'PROGRESS_BAR=off', '--log-level', 'warn'],
      ROOT,
    ];
  }
  return [
    '/usr/bin/python3',
    ['-m', 'scrapy', 'crawl', 'coingecko_spider', '-a', `coin_id=${COIN}`, '-a', `start_date=${START}`,
      '-a', `end_date=${end}`, '-s', `API_URL=${apiUrl}`, '-s', `DATA_DIR=${dataDir}`],
    path.join(ROOT, 'bench', 'scrapy_reference'),
  ];
}

function procCpuS(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
}

function machineBusyS(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return (user + nice + system + irq + softirq + steal) / TICK;
}

function readPrices(dataDir: string): Map<string, number> {
  const raw = path.join(dataDir, 'raw');
  const prices = new Map<string, number>();
  for (const name of fs.existsSync(raw) ? fs.readdirSync(raw) : []) {
    const item = JSON.parse(fs.readFileSync(path.join(raw, name), 'utf8'));
    prices.set(name, item.usd_price);
  }
  return prices;
}

async function startMock(): Promise<{ pid: number; url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/mock-api/main.ts', '--port', '0', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /listening on (\S+)/.exec(line);
    if (match) return { pid: child.pid!, url: match[1], stop: () => child.kill('SIGTERM') };
  }
  throw new Error('the mock API exited before it was ready');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(RESULTS, `throughput-${stamp}-logs`);
  fs.mkdirSync(logDir, { recursive: true });
  const mock = await startMock();
  console.log(`mock API at ${mock.url} (pid ${mock.pid}); ${ROUNDS} rounds; load average ${loadavg().join(' ')}`);
  const runs: Run[] = [];
  let reference: Map<string, number> | undefined;
  const problems: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of ['startup', 'full'] as Kind[]) {
        for (const crawler of ['ours', 'scrapy'] as Crawler[]) {
          const dataDir = fs.mkdtempSync(path.join(tmpdir(), `bench-${crawler}-`));
          const [cmd, args, cwd] = command(crawler, mock.url, dataDir, kind === 'full' ? END : START);
          const log = path.join(logDir, `${crawler}-${kind}-${round}.log`);
          const timeFile = path.join(logDir, `${crawler}-${kind}-${round}.time`);
          const out = fs.openSync(log, 'w');
          const [mock0, busy0] = [procCpuS(mock.pid), machineBusyS()];
          const res = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', cmd, ...args], {
            cwd,
            stdio: ['ignore', out, out],
          });
          const [mockCpuS, busyS] = [procCpuS(mock.pid) - mock0, machineBusyS() - busy0];
          fs.closeSync(out);
          const [wallS, userS, sysS, rssKb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!
            .split(' ').map(Number);
          const prices = readPrices(dataDir);
          fs.rmSync(dataDir, { recursive: true, force: true });
          const run: Run = {
            crawler, kind, round, items: prices.size, wallS, userS, sysS, cpuS: userS + sysS,
            peakRssMb: rssKb / 1024, mockCpuS, otherCpuS: Math.max(0, busyS - userS - sysS - mockCpuS),
            exitCode: res.status ?? -1, log: path.relative(ROOT, log),
          };
          runs.push(run);
          console.log(
            `${crawler.padEnd(6)} ${kind.padEnd(7)} #${round}: ${run.items} items, ${wallS.toFixed(2)} s wall, ` +
              `${run.cpuS.toFixed(2)} s CPU, ${run.peakRssMb.toFixed(0)} MB, mock ${mockCpuS.toFixed(2)} s CPU, ` +
              `other ${run.otherCpuS.toFixed(2)} s CPU, exit ${run.exitCode}`,
          );
          const want = kind === 'full' ? DAYS : 1;
          if (run.exitCode !== 0 || run.items !== want) {
            problems.push(`${crawler} ${kind} #${round}: exit ${run.exitCode}, ${run.items}/${want} files (see ${run.log})`);
          }
          if (kind === 'full') {
            reference ??= prices;
            const diff = [...reference].filter(([name, usd]) => prices.get(name) !== usd).length;
            if (diff || prices.size !== reference.size) {
              problems.push(`${crawler} full #${round}: ${diff} files differ in name or usd_price from ours #1`);
            }
          }
        }
      }
    }
  } finally {
    mock.stop();
  }

  const summary = (['ours', 'scrapy'] as Crawler[]).map((crawler) => {
    const pick = (kind: Kind): Run[] => runs.filter((r) => r.crawler === crawler && r.kind === kind);
    const full = pick('full');
    const startWall = median(pick('startup').map((r) => r.wallS));
    const startCpu = median(pick('startup').map((r) => r.cpuS));
    return {
      crawler,
      itemsPerS: median(full.map((r) => DAYS / r.wallS)),
      itemsPerSExStartup: median(full.map((r) => DAYS / (r.wallS - startWall))),
      startupWallS: startWall,
      startupCpuS: startCpu,
      cpuSPer1k: median(full.map((r) => (r.cpuS / DAYS) * 1000)),
      cpuSPer1kExStartup: median(full.map((r) => ((r.cpuS - startCpu) / DAYS) * 1000)),
      peakRssMb: median(full.map((r) => r.peakRssMb)),
      mockCpuSPer1k: median(full.map((r) => (r.mockCpuS / DAYS) * 1000)),
      otherCpuS: median(full.map((r) => r.otherCpuS)),
    };
  });
  const f = (x: number, d = 1): string => x.toFixed(d);
  const rows = summary.map((s) =>
    [s.crawler, f(s.itemsPerS, 0), f(s.itemsPerSExStartup, 0), f(s.startupWallS, 2), f(s.cpuSPer1k, 2),
      f(s.cpuSPer1kExStartup, 2), f(s.peakRssMb, 0), f(s.mockCpuSPer1k, 2), f(s.otherCpuS, 1)],
  );
  const [o, p] = summary;
  rows.push(['ours / scrapy', `${f(o.itemsPerS / p.itemsPerS, 2)}×`, `${f(o.itemsPerSExStartup / p.itemsPerSExStartup, 2)}×`,
    `${f(o.startupWallS / p.startupWallS, 2)}×`, `${f(o.cpuSPer1k / p.cpuSPer1k, 2)}×`,
    `${f(o.cpuSPer1kExStartup / p.cpuSPer1kExStartup, 2)}×`, `${f(o.peakRssMb / p.peakRssMb, 2)}×`,
    `${f(o.mockCpuSPer1k / p.mockCpuSPer1k, 2)}×`, '']);
  const header = ['crawler', 'items/s', 'items/s ex start-up', 'start-up wall s', 'CPU s / 1k items',
    'CPU s / 1k ex start-up', 'peak RSS MB', 'mock CPU s / 1k items', 'other CPU s'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

  const file = path.join(RESULTS, `throughput-${stamp}.json`);
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  fs.writeFileSync(file, JSON.stringify({ stamp, machine, rounds: ROUNDS, days: DAYS, concurrency: CONCURRENCY,
    summary, runs, problems }, null, 2));
  console.log(`\nMedians of ${ROUNDS} rounds, ${DAYS} days each, concurrency ${CONCURRENCY}:\n\n${table}\n`);
  console.log(problems.length ? `PROBLEMS:\n${problems.join('\n')}` : `verified: every full run wrote ${DAYS} files, equal usd_price`);
  console.log(`raw results: ${path.relative(ROOT, file)}`);
  process.exitCode = problems.length ? 1 : 0;
}

void main();
