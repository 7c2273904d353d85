/**
 * Faults, rate limits, stops and kills: every day is stored exactly once, with the CSV's values.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCsvPrices, MockApi, MockRequestRecord, startMockApi } from '../mock-api/server';
import { readDayFiles, runCli, spawnCli, tempDir } from '../helpers/cli';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
beforeEach(() => mock.configure({ rateLimit: undefined, faults: undefined, latencyMs: 0, hangMs: 30_000 }));

const btc = loadCsvPrices('bitcoin');
const base = ['--set', 'PROGRESS_BAR=off', '--set', 'RETRY_BACKOFF_BASE=0.05'];

function crawlArgs(args: string[], dataDir: string) {
  return [...args, '--api-url', mock.url, '--data-dir', dataDir, ...base];
}

/** How many times each day was answered with its whole data by the mock (not a truncated body). */
function successesPerDay(records: MockRequestRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records)
    if (r.outcome === 'ok' && r.date) counts.set(r.date, (counts.get(r.date) ?? 0) + 1);
  return counts;
}

function expectCsvPrices(dataDir: string, days: number) {
  const files = readDayFiles(dataDir);
  expect(files.size).toBe(days);
  for (const file of files.values())
    expect([file.date, file.usd_price]).toEqual([file.date, btc.get(file.date)?.price]);
  expect(readdirSync(join(dataDir, 'raw')).filter((name) => !name.endsWith('.json'))).toEqual([]);
}

/** Waits for `count` finished day files; generous, since a loaded machine can be slow to start a crawl. */
async function waitForFiles(dataDir: string, count: number) {
  for (let i = 0; i < 1800; i++) {
    const dir = join(dataDir, 'raw');
    if (existsSync(dir) && readdirSync(dir).filter((n) => n.endsWith('.json')).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} files after 90 s`);
}

describe('faults and an untold rate limit', () => {
  it('stores all 200 days exactly once through 5xx, resets, truncated bodies, hangs and 429s', async () => {
    mock.configure({
      rateLimit: { limit: 40, windowMs: 1000 },
      faults: { seed: 7, error5xx: 0.1, reset: 0.03, truncated: 0.03, hang: 0.01 },
      hangMs: 3000,
    });
    const dataDir = tempDir();
    const since = mock.requests.length;
    const result = await runCli(
      crawlArgs(
        [
          '-c',
          'bitcoin',
          '-s',
          '2020-01-01',
          '-e',
          '2020-07-18',
          '--set',
          'DOWNLOAD_TIMEOUT=1',
          '--set',
          'RETRY_TIMES=8',
        ],
        dataDir,
      ),
    );
    expect(result.code).toBe(0);
    expectCsvPrices(dataDir, 200);
    const records = mock.requests.slice(since);
    const perDay = successesPerDay(records);
    expect(perDay.size).toBe(200);
    expect([...perDay.values()].every((n) => n === 1)).toBe(true);
    expect(records.some((r) => r.status === 429)).toBe(true);
    expect(records.some((r) => r.outcome === 'fault')).toBe(true);
    expect(result.stderr).toContain('200/200 requests succeeded');
  });
});

describe('retry-after', () => {
  it('is honoured: after a refusal, nothing is sent before it expires', async () => {
    mock.configure({ rateLimit: { limit: 5, windowMs: 2000 } });
    const dataDir = tempDir();
    const since = mock.requests.length;
    const result = await runCli(
      crawlArgs(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-12', '--concurrency', '2'], dataDir),
    );
    expect(result.code).toBe(0);
    expectCsvPrices(dataDir, 12);
    const records = mock.requests.slice(since);
    const refusals = records.filter((r) => r.status === 429);
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      const until = refusal.at + (refusal.retryAfterSeconds as number) * 1000;
      // Requests already on their way when the refusal was sent may arrive just after it; none later.
      const early = records.filter((r) => r.at > refusal.at + 100 && r.at < until);
      expect(early).toEqual([]);
    }
  });
});

describe('incremental crawls', () => {
  it('skips days already stored, says how many, and fetches them again with --force', async () => {
    const dataDir = tempDir();
    expect(
      (await runCli(crawlArgs(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-10'], dataDir))).code,
    ).toBe(0);
    // A damaged file is not "stored": that day is fetched again.
    writeFileSync(join(dataDir, 'raw', 'bitcoin_2021-01-05.json'), '{"coin_id":"bitc');

    const since = mock.requests.length;
    const again = await runCli(
      crawlArgs(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-15', '--log-level', 'info'], dataDir),
    );
    expect(again.code).toBe(0);
    expect(
      mock.requests
        .slice(since)
        .map((r) => r.date)
        .sort(),
    ).toEqual(['2021-01-05', '2021-01-11', '2021-01-12', '2021-01-13', '2021-01-14', '2021-01-15']);
    expect(again.stderr).toContain('9 items skipped, already stored (--force fetches them again)');
    expectCsvPrices(dataDir, 15);

    const sinceForce = mock.requests.length;
    const forced = await runCli(
      crawlArgs(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-15', '--force'], dataDir),
    );
    expect(forced.code).toBe(0);
    expect(mock.requests.length - sinceForce).toBe(15);
  });
});

describe('stopping and resuming', () => {
  const range = ['-c', 'bitcoin', '-s', '2020-01-01', '-e', '2020-04-09']; // 100 days

  it('after kill -9, the same command finishes the range, fetching again at most the days in flight', async () => {
    mock.configure({ latencyMs: 60 });
    const dataDir = tempDir();
    const jobDir = join(dataDir, 'job');
    // Start requests read 10 at a time: the kill comes with most of them not read yet.
    const args = crawlArgs(
      [...range, '--concurrency', '4', '--job-dir', jobDir, '--set', 'START_REQUESTS_BATCH=10'],
      dataDir,
    );
    const since = mock.requests.length;
    const first = spawnCli(args);
    await waitForFiles(dataDir, 30);
    first.child.kill('SIGKILL');
    expect((await first.done).code).toBeNull();
    const storedBeforeKill = readDayFiles(dataDir).size;
    expect(storedBeforeKill).toBeLessThan(100);

    const second = await runCli(args);
    expect(second.code).toBe(0);
    expectCsvPrices(dataDir, 100);
    const perDay = successesPerDay(mock.requests.slice(since));
    const fetchedTwice = [...perDay.values()].filter((n) => n > 1).length;
    expect(fetchedTwice).toBeLessThanOrEqual(4);
    expect([...perDay.values()].every((n) => n <= 2)).toBe(true);
  });

  it('on SIGTERM, finishes the requests in flight, prints the stats and how to resume; the rerun completes', async () => {
    mock.configure({ latencyMs: 60 });
    const dataDir = tempDir();
    const jobDir = join(dataDir, 'job');
    const args = crawlArgs(
      [...range, '--concurrency', '4', '--job-dir', jobDir, '--log-level', 'info'],
      dataDir,
    );
    const since = mock.requests.length;
    const first = spawnCli(args);
    await waitForFiles(dataDir, 20);
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('stopped (SIGTERM)');
    expect(stopped.stderr).toContain(`run the same command again (with --job-dir ${jobDir}) to resume`);
    expect(stopped.stderr).toContain('"finish_reason": "SIGTERM"');
    const storedAtStop = readDayFiles(dataDir).size;
    // Every answer that came back was stored: the mock answered exactly the stored days.
    expect(successesPerDay(mock.requests.slice(since)).size).toBe(storedAtStop);

    const second = await runCli(args);
    expect(second.code).toBe(0);
    expectCsvPrices(dataDir, 100);
    expect([...successesPerDay(mock.requests.slice(since)).values()].every((n) => n === 1)).toBe(true);
  });
});
