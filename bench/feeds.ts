// Why: shows that a feed costs no memory however many items pass (issue 11): the same 10,000-day crawl to
// JSON files against the mock API, without a feed and with `-o items.csv`, `-O items.json`, `-o items.jsonl`,
// peak RSS of each against the run without a feed, and each feed checked to be a valid file of every item.
// Run: npx tsx bench/feeds.ts (or npm run bench:feeds). Env: ROUNDS (default 1; rounds alternate the
// scenarios, so each meets the same load), QUIET_WAIT_S (default 120, see common.ts), DAYS (default 10000).
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  machine,
  markdownTable,
  median,
  OURS,
  CRAWLER_DIR,
  RESULTS,
  stamp,
  startMock,
  timed,
  Timed,
} from './common';

const ROUNDS = Number(process.env.ROUNDS ?? 1);
const DAYS = Number(process.env.DAYS ?? 10_000);
const COIN = 'mockcoin';
const END = '2026-11-30';
const START = new Date(Date.parse(`${END}T00:00:00Z`) - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
const CONCURRENCY = 16;

const SCENARIOS: { name: string; feed: string[]; file?: string }[] = [
  { name: 'no feed', feed: [] },
  { name: '-o items.csv', feed: ['-o'], file: 'items.csv' },
  { name: '-O items.json', feed: ['-O'], file: 'items.json' },
  { name: '-o items.jsonl', feed: ['-o'], file: 'items.jsonl' },
];

/** The days of the feed file, read as the next tool would (a CSV's date column, the JSON's `date`). */
function feedDays(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return (JSON.parse(text) as { date: string }[]).map((item) => item.date);
  const lines = text.trimEnd().split('\n');
  if (file.endsWith('.jsonl')) return lines.map((line) => (JSON.parse(line) as { date: string }).date);
  if (lines[0] !== 'coin_id,date,usd_price,usd_market_cap,usd_total_volume,full_response')
    throw new Error(`${file}: unexpected header ${lines[0]}`);
  return lines.slice(1).map((line) => line.split(',')[1]);
}

function expectedDays(): string[] {
  const first = Date.parse(`${START}T00:00:00Z`);
  return Array.from({ length: DAYS }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
}

async function main(): Promise<void> {
  const logDir = path.join(RESULTS, `feeds-${stamp()}`);
  fs.mkdirSync(logDir, { recursive: true });
  const mock = await startMock(['--quiet'], path.join(logDir, 'mock.log'));
  const runs: (Timed & { scenario: string; valid: string })[] = [];
  const wanted = expectedDays().join('\n');
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const scenario of SCENARIOS) {
        const dataDir = fs.mkdtempSync(path.join(tmpdir(), 'bench-feeds-'));
        const feedFile = scenario.file ? path.join(dataDir, scenario.file) : undefined;
        const args = [...OURS, '--coin-id', COIN, '--start-date', START, '--end-date', END];
        args.push('--api-url', mock.url, '--data-dir', dataDir, '--concurrency', String(CONCURRENCY));
        args.push('--set', 'PROGRESS_BAR=off', '--log-level', 'warn');
        if (feedFile) args.push(scenario.feed[0], feedFile);
        const log = path.join(logDir, `${scenario.name.replace(/\W+/g, '_')}-${round}.log`);
        const run = await timed(args, CRAWLER_DIR, log, mock);
        let valid = '-';
        if (feedFile) {
          const days = feedDays(feedFile);
          valid =
            [...days].sort().join('\n') === wanted
              ? `yes, ${days.length} items`
              : `NO (${days.length} items)`;
        }
        const files = fs.readdirSync(path.join(dataDir, 'raw')).length;
        if (run.exitCode !== 0 || files !== DAYS)
          throw new Error(`${scenario.name}: exit ${run.exitCode}, ${files} files (${log})`);
        runs.push({ ...run, scenario: scenario.name, valid });
        process.stderr.write(
          `${scenario.name} round ${round}: ${run.wallS} s, ${run.peakRssMb.toFixed(1)} MB, valid ${valid}\n`,
        );
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await mock.stop();
  }
  const baseline = median(runs.filter((r) => r.scenario === 'no feed').map((r) => r.peakRssMb));
  const rows = SCENARIOS.map(({ name }) => {
    const mine = runs.filter((r) => r.scenario === name);
    const rss = median(mine.map((r) => r.peakRssMb));
    return [
      name,
      mine[0].valid,
      median(mine.map((r) => r.wallS)).toFixed(1),
      median(mine.map((r) => r.cpuS)).toFixed(1),
      rss.toFixed(1),
      (rss / baseline).toFixed(3),
      mine.some((r) => r.noisy) ? 'yes' : 'no',
    ];
  });
  const table = markdownTable(
    ['crawl', 'feed valid, every item', 'wall s', 'CPU s', 'peak RSS MB', 'RSS / no feed', 'disturbed'],
    rows,
  );
  const result = { machine: machine(), days: DAYS, start: START, end: END, rounds: ROUNDS, runs };
  fs.writeFileSync(path.join(logDir, 'results.json'), JSON.stringify(result, null, 2));
  process.stdout.write(
    `${JSON.stringify(machine())}\n${START}..${END}, ${DAYS} days, ${ROUNDS} round(s)\n\n${table}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
