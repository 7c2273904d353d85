// Why: issue #3 item 9: how fast and how politely a 100-day crawl gets through CoinGecko-like rate limits
// (mock: sliding window of 20 requests per 5 s, json 429s with retry-after): ours with the limit untold,
// ours told (--rate-limit 240/min), and the original Scrapy project's settings (4 in flight, 2 s delay,
// its sleep-60-then-retry middleware). Each run gets a fresh mock, whose request log counts the 429s.
// Issue #12: the same window answering with Cloudflare's 1015 page and no retry-after, 60 days, ours
// untold (the window's length is learned from when refused requests are admitted again).
// Run: npx tsx bench/rate-limit.ts. Env: QUIET_WAIT_S, CRAWLER_DIR (see bench/common.ts); SKIP_SCRAPY=1
// runs ours only (Scrapy's 4 minutes don't change with our code: for a before/after of ours).
import { tmpdir } from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { mockcoinRow } from '../test/mock-api/server';
import {
  ATTEMPTS,
  CRAWLER_DIR,
  machine,
  markdownTable,
  median,
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

const COIN = 'mockcoin';
const START = '2020-01-01';
const END = '2020-04-09'; // 100 days
const DAYS = 100;
const LIMIT = ['--rate-limit', '20/5s', '--rate-limit-form', 'json']; // retry-after is on by default
const STARTUP_RUNS = 3; // 1-day crawls against a mock without a limit; their median is the start-up
const IDEAL_UNTOLD_S = 20; // a burst of 20 into each new window: at 0, 5, 10, 15 and 20 s
const IDEAL_TOLD_S = 24.75; // 100 requests evenly spaced at 4/s: 99 gaps of 0.25 s
const LIMIT_1015 = ['--rate-limit', '20/5s', '--rate-limit-form', 'cloudflare', '--no-retry-after'];
const END_1015 = '2020-02-29'; // 60 days
const IDEAL_1015_S = 10; // a burst of 20 into each new window: at 0, 5 and 10 s

interface Setup {
  name: 'ours-untold' | 'ours-told' | 'ours-1015' | 'scrapy';
  /** The mock's limit, when not LIMIT; and the last day, when not END. */
  limit?: string[];
  end?: string;
  idealS: number; // Scrapy is not told the limit either: its ideal is the limit's floor, as for untold
  argv: (apiUrl: string, dataDir: string, end: string) => string[];
  cwd: string;
  crawler429s: RegExp; // the 429 count in the crawler's own stats dump
}

const ours = (extra: string[]) => (apiUrl: string, dataDir: string, end: string) => [
  ...OURS,
  ...['-c', COIN, '-s', START, '-e', end, '--api-url', apiUrl, '--data-dir', dataDir],
  ...['--set', 'PROGRESS_BAR=off', ...extra],
];

const SETUPS: Setup[] = [
  {
    name: 'ours-untold',
    idealS: IDEAL_UNTOLD_S,
    argv: ours([]),
    cwd: CRAWLER_DIR,
    crawler429s: /"ratelimit\/429_count": (\d+)/,
  },
  {
    name: 'ours-told',
    idealS: IDEAL_TOLD_S,
    argv: ours(['--rate-limit', '240']),
    cwd: CRAWLER_DIR,
    crawler429s: /"ratelimit\/429_count": (\d+)/,
  },
  {
    name: 'ours-1015',
    idealS: IDEAL_1015_S,
    limit: LIMIT_1015,
    end: END_1015,
    argv: ours([]),
    cwd: CRAWLER_DIR,
    crawler429s: /"ratelimit\/429_count": (\d+)/,
  },
  {
    name: 'scrapy',
    idealS: IDEAL_UNTOLD_S,
    argv: (apiUrl, dataDir, end) => [
      ...SCRAPY,
      ...['-a', `coin_id=${COIN}`, '-a', `start_date=${START}`, '-a', `end_date=${end}`],
      ...['-s', `API_URL=${apiUrl}`, '-s', `DATA_DIR=${dataDir}`, '-s', 'LOG_LEVEL=INFO'],
      // The original project's settings; RANDOMIZE_DOWNLOAD_DELAY stays True (0.5-1.5 x the delay).
      ...['-s', 'CONCURRENT_REQUESTS=4', '-s', 'CONCURRENT_REQUESTS_PER_DOMAIN=8', '-s', 'DOWNLOAD_DELAY=2'],
      ...['-s', 'DOWNLOADER_MIDDLEWARES={"coingecko_ref.middlewares.CustomRetryMiddleware": 550}'],
    ],
    cwd: SCRAPY_CWD,
    crawler429s: /'downloader\/response_status_count\/429': (\d+)/,
  },
];

interface Run extends Timed {
  setup: Setup['name'];
  kind: 'startup' | 'limited';
  attempt: number;
  requests?: number; // answers the mock logged
  mock429s?: number;
  crawler429s?: number;
  daysStored: number; // files with the mock's usd_price for their day
}

/** Days a setup's limited crawl asks for. */
function daysOf(setup: Setup): number {
  return setup.end ? (Date.parse(setup.end) - Date.parse(START)) / 86_400_000 + 1 : DAYS;
}

/** Files named and priced as the mock's days in START..end. */
function daysStored(dataDir: string, end: string): number {
  const prices = readPrices(dataDir);
  let ok = 0;
  for (let day = new Date(`${START}T00:00:00Z`); day <= new Date(`${end}T00:00:00Z`);) {
    const iso = day.toISOString().slice(0, 10);
    if (prices.get(`${COIN}_${iso}.json`) === mockcoinRow(iso).price) ok += 1;
    day = new Date(day.getTime() + 86_400_000);
  }
  return ok;
}

/**
 * One crawl against a fresh mock (rate limited or not). A start-up crawl is CPU-bound: run again while
 * other jobs disturb it. A limited crawl is bound by the limit (its wall time moved by < 1 % with other
 * jobs using 7-25 s of CPU during it): it is run once and the disturbance only recorded.
 */
async function measure(setup: Setup, kind: Run['kind'], index: number, logDir: string): Promise<Run> {
  const end = kind === 'startup' ? START : (setup.end ?? END);
  let run: Run;
  let attempt = 0;
  do {
    const name = `${setup.name}-${kind}-${index}${++attempt > 1 ? `-attempt${attempt}` : ''}`;
    const mock = await startMock(
      kind === 'startup' ? ['--quiet'] : (setup.limit ?? LIMIT),
      path.join(logDir, `${name}.mock.log`),
    );
    const dataDir = fs.mkdtempSync(path.join(tmpdir(), `bench-${setup.name}-`));
    const log = path.join(logDir, `${name}.log`);
    let measured: Timed;
    try {
      measured = await timed(setup.argv(mock.url, dataDir, end), setup.cwd, log, mock);
    } finally {
      await mock.stop();
    }
    run = { setup: setup.name, kind, attempt, ...measured, daysStored: daysStored(dataDir, end) };
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'limited') {
      const answers = fs.readFileSync(mock.log, 'utf8').match(/ -> \d{3} /g) ?? [];
      run.requests = answers.length;
      run.mock429s = answers.filter((a) => a === ' -> 429 ').length;
      run.crawler429s = Number(setup.crawler429s.exec(fs.readFileSync(log, 'utf8'))?.[1] ?? 0);
    }
    const counts = kind === 'limited' ? `, ${run.mock429s}/${run.requests} answers 429` : '';
    console.log(
      `${setup.name.padEnd(11)} ${kind.padEnd(7)} #${index}: ${run.daysStored} days, ${run.wallS.toFixed(2)} s ` +
        `wall, ${run.cpuS.toFixed(2)} s CPU${counts}, other ${run.otherCpuS.toFixed(2)} s CPU` +
        `${run.noisy ? (kind === 'startup' ? ' (NOISY: run again)' : ' (noisy)') : ''}, exit ${run.exitCode}`,
    );
  } while (run.noisy && kind === 'startup' && attempt < ATTEMPTS);
  return run;
}

async function main(): Promise<void> {
  const scrapy = SETUPS.findIndex((setup) => setup.name === 'scrapy');
  if (process.env.SKIP_SCRAPY === '1' && scrapy >= 0) SETUPS.splice(scrapy, 1);
  const ts = stamp();
  const logDir = path.join(RESULTS, `rate-limit-${ts}-logs`);
  fs.mkdirSync(logDir, { recursive: true });
  const runs: Run[] = [];
  for (let i = 1; i <= STARTUP_RUNS; i++)
    for (const setup of SETUPS) runs.push(await measure(setup, 'startup', i, logDir));
  for (const setup of SETUPS) runs.push(await measure(setup, 'limited', 1, logDir));

  const problems: string[] = [];
  const rows = SETUPS.map((setup) => {
    const startups = runs.filter((r) => r.setup === setup.name && r.kind === 'startup');
    const startupS = median(startups.map((r) => r.wallS));
    const run = runs.find((r) => r.setup === setup.name && r.kind === 'limited')!;
    const lessS = run.wallS - startupS;
    for (const r of [...startups, run]) {
      const want = r.kind === 'startup' ? 1 : daysOf(setup);
      if (r.exitCode !== 0 || r.daysStored !== want || (r.noisy && r.kind === 'startup'))
        problems.push(`${r.setup} ${r.kind}: exit ${r.exitCode}, ${r.daysStored}/${want} days (${r.log})`);
    }
    if (run.mock429s !== run.crawler429s)
      problems.push(
        `${setup.name}: the mock answered ${run.mock429s} 429s, the crawler counted ${run.crawler429s}`,
      );
    return {
      run: setup.name,
      wallS: run.wallS,
      startupS,
      lessS,
      xIdeal: lessS / setup.idealS,
      mock429s: run.mock429s!,
      requests: run.requests!,
      pct429: (100 * run.mock429s!) / run.requests!,
      daysStored: run.daysStored,
      days: daysOf(setup),
    };
  });
  const table = markdownTable(
    ['run', 'wall s', 'wall less start-up s', '× ideal', '429 count', '429 %', 'days stored'],
    rows.map((r) => [
      `${ts.slice(0, 16)} ${r.run}`,
      r.wallS.toFixed(2),
      `${r.lessS.toFixed(2)} (start-up ${r.startupS.toFixed(2)})`,
      `${r.xIdeal.toFixed(2)}×`,
      String(r.mock429s),
      `${r.pct429.toFixed(1)} % of ${r.requests}`,
      `${r.daysStored}/${r.days}`,
    ]),
  );
  const file = path.join(RESULTS, `rate-limit-${ts}.json`);
  const config = {
    coin: COIN,
    start: START,
    end: END,
    days: DAYS,
    mock: LIMIT.join(' '),
    startupRuns: STARTUP_RUNS,
  };
  const ideals = { untoldS: IDEAL_UNTOLD_S, toldS: IDEAL_TOLD_S };
  const result = { stamp: ts, machine: machine(), config, ideals, rows, table, runs, problems };
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\n${table}\n`);
  console.log(problems.length ? `PROBLEMS:\n${problems.join('\n')}` : 'no problems');
  console.log(`raw results: ${path.relative(ROOT, file)}`);
  process.exitCode = problems.length ? 1 : 0;
}

void main();
