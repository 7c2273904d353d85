/**
 * `--db-store` against a real Postgres (a fresh database per run), the embedded default, `reprocess`,
 * and the database's faults. Expected values are computed here from the CSV exports.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/data-source';
import { MIGRATIONS } from '../../src/db/migrations';
import { PriceStore } from '../../src/db/price-store';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';
import { readDayFiles, runCli, spawnCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { startPrivatePostgres } from '../helpers/private-postgres';

let mock: MockApi;
let db: TestDatabase;
beforeAll(async () => {
  mock = await startMockApi();
  db = await createTestDatabase();
});
afterAll(async () => {
  await mock.close();
  await db.drop();
});
beforeEach(async () => {
  mock.configure({ latencyMs: 0 });
  await db.query('DROP TABLE IF EXISTS coingecko_scraped_data, coingecko_processed_data, migrations');
});

const quiet = ['--set', 'PROGRESS_BAR=off'];

function crawl(args: string[], dataDir: string, databaseUrl = db.url) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], {
    env: databaseUrl ? { DATABASE_URL: databaseUrl } : {},
  });
}

type DayRow = { coin_id: string; date: string; usd_price: number | null; usd_market_cap: number | null };
type MonthRow = {
  coin_id: string;
  year: number;
  month: number;
  usd_price_min: number | null;
  usd_price_max: number | null;
};

async function dailyRows(query = db.query): Promise<DayRow[]> {
  return query<DayRow>(
    `SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price, usd_market_cap
     FROM coingecko_scraped_data ORDER BY coin_id, date`,
  );
}

async function monthlyRows(query = db.query): Promise<MonthRow[]> {
  return query<MonthRow>('SELECT * FROM coingecko_processed_data ORDER BY coin_id, year, month');
}

/** Min and max of the CSV prices of these days, per coin and month: computed without the crawler. */
function expectedMonths(coinIds: string[], start: string, end: string): MonthRow[] {
  const months: MonthRow[] = [];
  for (const coinId of coinIds) {
    const byMonth = new Map<string, number[]>();
    for (const [date, row] of loadCsvPrices(coinId)) {
      if (date < start || date > end) continue;
      const key = date.slice(0, 7);
      if (!byMonth.has(key)) byMonth.set(key, []);
      if (row.price !== null) byMonth.get(key)?.push(row.price);
    }
    for (const [key, prices] of [...byMonth].sort()) {
      months.push({
        coin_id: coinId,
        year: Number(key.slice(0, 4)),
        month: Number(key.slice(5, 7)),
        usd_price_min: prices.length ? Math.min(...prices) : null,
        usd_price_max: prices.length ? Math.max(...prices) : null,
      });
    }
  }
  return months;
}

describe('--db-store with DATABASE_URL', () => {
  it('stores rows and monthly min/max equal to the CSV', async () => {
    const coins = ['bitcoin', 'cardano', 'ethereum'];
    const result = await crawl(
      ['-c', ...coins, '-s', '2021-01-20', '-e', '2021-03-05', '--db-store'],
      tempDir(),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /storing to files in \S+ and Postgres at 127\.0\.0\.1:5432\/crawler_test_\w+/,
    );
    const rows = await dailyRows();
    expect(rows).toHaveLength(3 * 45);
    for (const row of rows) {
      const csv = loadCsvPrices(row.coin_id).get(row.date);
      expect([row.coin_id, row.date, row.usd_price, row.usd_market_cap]).toEqual([
        row.coin_id,
        row.date,
        csv?.price,
        csv?.marketCap,
      ]);
    }
    expect(await monthlyRows()).toEqual(expectedMonths(coins, '2021-01-20', '2021-03-05'));
  });

  it('never duplicates a row: the same range twice, then an overlapping range', async () => {
    const dataDir = tempDir();
    expect((await crawl(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-20', '-d'], dataDir)).code).toBe(
      0,
    );
    expect(
      (await crawl(['-c', 'bitcoin', '-s', '2021-01-01', '-e', '2021-01-20', '-d', '--force'], dataDir)).code,
    ).toBe(0);
    expect(
      (await crawl(['-c', 'bitcoin', '-s', '2021-01-10', '-e', '2021-02-05', '-d', '--force'], dataDir)).code,
    ).toBe(0);
    const rows = await dailyRows();
    expect(rows.map((r) => r.date)).toEqual([...new Set(rows.map((r) => r.date))]);
    expect(rows).toHaveLength(36);
    expect(await monthlyRows()).toEqual(expectedMonths(['bitcoin'], '2021-01-01', '2021-02-05'));
  });

  it('skips days that have both a file and a row; a day missing from the database is fetched again', async () => {
    const dataDir = tempDir();
    expect(
      (await crawl(['-c', 'ethereum', '-s', '2021-01-01', '-e', '2021-01-10', '-d'], dataDir)).code,
    ).toBe(0);
    await db.query(`DELETE FROM coingecko_scraped_data WHERE date = '2021-01-04'`);
    const since = mock.requests.length;
    const again = await crawl(['-c', 'ethereum', '-s', '2021-01-01', '-e', '2021-01-10', '-d'], dataDir);
    expect(again.code).toBe(0);
    expect(mock.requests.slice(since).map((r) => r.date)).toEqual(['2021-01-04']);
    expect(await dailyRows()).toHaveLength(10);
  });

  it('recomputes a month when a refetched day changes its price', async () => {
    const dataDir = tempDir();
    expect((await crawl(['-c', 'bitcoin', '-s', '2021-02-01', '-e', '2021-02-28', '-d'], dataDir)).code).toBe(
      0,
    );
    // The stored data went stale: a wrong price, and a month computed from it.
    await db.query(`UPDATE coingecko_scraped_data SET usd_price = 1 WHERE date = '2021-02-10'`);
    await db.query(`UPDATE coingecko_processed_data SET usd_price_min = 1`);
    const result = await crawl(['-c', 'bitcoin', '-s', '2021-02-10', '-d', '--force'], dataDir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"db/rows_changed_count": 1');
    expect((await dailyRows()).find((r) => r.date === '2021-02-10')?.usd_price).toBe(
      loadCsvPrices('bitcoin').get('2021-02-10')?.price,
    );
    expect(await monthlyRows()).toEqual(expectedMonths(['bitcoin'], '2021-02-01', '2021-02-28'));
  });

  it('--set DB_FULL_RESPONSE=false stores the days without their payload (the files keep it)', async () => {
    const dataDir = tempDir();
    const args = [
      '-c',
      'bitcoin',
      '-s',
      '2021-04-01',
      '-e',
      '2021-04-03',
      '-d',
      '--set',
      'DB_FULL_RESPONSE=false',
    ];
    expect((await crawl(args, dataDir)).code).toBe(0);
    const rows = await db.query<{ date: string; usd_price: number; bare: boolean }>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, usd_price, full_response IS NULL AS bare
         FROM coingecko_scraped_data ORDER BY date`,
    );
    expect(rows).toEqual(
      ['2021-04-01', '2021-04-02', '2021-04-03'].map((date) => ({
        date,
        usd_price: loadCsvPrices('bitcoin').get(date)?.price,
        bare: true,
      })),
    );
    expect(readDayFiles(dataDir).get('bitcoin_2021-04-01.json')?.full_response).toHaveProperty('market_data');
    expect(await monthlyRows()).toEqual(expectedMonths(['bitcoin'], '2021-04-01', '2021-04-03'));
  });

  it('keeps a month right when some of its days have no price', async () => {
    const result = await crawl(['-c', 'cardano', '-s', '2017-10-10', '-e', '2017-11-02', '-d'], tempDir());
    expect(result.code).toBe(0);
    const rows = await dailyRows();
    expect(rows.filter((r) => r.usd_price === null).map((r) => r.date)).toEqual(
      ['10', '11', '12', '13', '14', '15', '16', '17'].map((d) => `2017-10-${d}`),
    );
    expect(await monthlyRows()).toEqual(expectedMonths(['cardano'], '2017-10-10', '2017-11-02'));
  });
});

describe('database faults', () => {
  it('refuses to start when the database is unreachable: one line naming the host, never the password, exit 2', async () => {
    const dataDir = join(tempDir(), 'data');
    const since = mock.requests.length;
    const result = await crawl(
      ['-c', 'bitcoin', '-s', '2021-01-01', '-d'],
      dataDir,
      'postgres://crawler:hunter2@127.0.0.1:1/prices',
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'crawl: error: database unreachable: Postgres at 127.0.0.1:1/prices (connect ECONNREFUSED 127.0.0.1:1)',
    ]);
    expect(result.stderr).not.toContain('hunter2');
    expect(mock.requests.length).toBe(since);
    expect(readDayFiles(dataDir).size).toBe(0);
  });

  it('keeps every day through a database restart in the middle of a crawl', async () => {
    const server = await startPrivatePostgres();
    try {
      // About 4.5 s of crawl; the database goes away for 1.5 s of it.
      mock.configure({ latencyMs: 100 });
      const dataDir = tempDir();
      const args = ['-c', 'bitcoin', '-s', '2020-01-01', '-e', '2020-03-30', '-d', '--concurrency', '2'];
      const running = spawnCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], {
        env: { DATABASE_URL: server.url },
      });
      while (readDayFiles(dataDir).size < 20) await new Promise((resolve) => setTimeout(resolve, 50));
      server.stop();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      server.start();
      const result = await running.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/database: .*; retry 1 in \d+ ms/);
      expect(readDayFiles(dataDir).size).toBe(90);
      const dataSource = await openDatabase({ databaseUrl: server.url, dataDir });
      const rows: DayRow[] = await dataSource.query(
        `SELECT coin_id, to_char(date, 'YYYY-MM-DD') AS date, usd_price FROM coingecko_scraped_data ORDER BY date`,
      );
      await dataSource.destroy();
      expect(rows).toHaveLength(90);
      for (const row of rows) expect(row.usd_price).toBe(loadCsvPrices('bitcoin').get(row.date)?.price);
    } finally {
      server.destroy();
    }
  });

  it('after kill -9, the same command stores every day exactly once', async () => {
    mock.configure({ latencyMs: 60 });
    const dataDir = tempDir();
    const args = ['-c', 'bitcoin', '-s', '2020-01-01', '-e', '2020-04-09', '-d', '--concurrency', '4'];
    const full = [
      ...args,
      '--job-dir',
      join(dataDir, 'job'),
      '--api-url',
      mock.url,
      '--data-dir',
      dataDir,
      ...quiet,
    ];
    const first = spawnCli(full, { env: { DATABASE_URL: db.url } });
    while (readDayFiles(dataDir).size < 30) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    await first.done;
    expect((await dailyRows()).length).toBeLessThan(100);

    const second = await runCli(full, { env: { DATABASE_URL: db.url } });
    expect(second.code).toBe(0);
    const rows = await dailyRows();
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.date)).size).toBe(100);
    for (const row of rows) expect(row.usd_price).toBe(loadCsvPrices('bitcoin').get(row.date)?.price);
    expect(await monthlyRows()).toEqual(expectedMonths(['bitcoin'], '2020-01-01', '2020-04-09'));
  });

  it('creates the tables once when several processes start together on a new database', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map(() => runCli(['migrate', '--data-dir', tempDir()], { env: { DATABASE_URL: db.url } })),
    );
    for (const run of runs) expect(run).toMatchObject({ code: 0, stdout: '' });
    const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM migrations');
    expect(Number(count)).toBe(MIGRATIONS.length);
  });

  it('treats a hostile coin id as data', async () => {
    const dataSource = await openDatabase({ databaseUrl: db.url, dataDir: tempDir() });
    const store = new PriceStore(dataSource, { times: 0, maxBackoffMs: 0 });
    const hostile = "x'); DROP TABLE coingecko_scraped_data; --";
    await store.saveDays([
      {
        coin_id: hostile,
        date: '2021-01-01',
        usd_price: 1,
        usd_market_cap: null,
        usd_total_volume: null,
        full_response: {},
      },
    ]);
    expect(await dailyRows()).toEqual([
      { coin_id: hostile, date: '2021-01-01', usd_price: 1, usd_market_cap: null },
    ]);
    expect([...(await store.storedDays([{ coin_id: hostile, date: '2021-01-01' }])).keys()]).toEqual([
      `${hostile}\u00002021-01-01`,
    ]);
    await dataSource.destroy();
  });
});

describe('reprocess and the embedded database', () => {
  it('reprocess loads the files into the database exactly as a direct store does, skipping malformed files', async () => {
    const direct = tempDir();
    expect(
      (await crawl(['-c', 'bitcoin', 'ethereum', '-s', '2021-03-01', '-e', '2021-03-20', '-d'], direct)).code,
    ).toBe(0);
    const stored = { days: await dailyRows(), months: await monthlyRows() };

    await db.query('DROP TABLE coingecko_scraped_data, coingecko_processed_data, migrations');
    writeFileSync(join(direct, 'raw', 'bitcoin_2021-03-21.json'), '{"coin_id": "bitcoin", "da');
    const env = { DATABASE_URL: db.url };
    const result = await runCli(['reprocess', '--data-dir', direct, ...quiet], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('skipped bitcoin_2021-03-21.json: not valid JSON');
    expect(result.stderr).toContain(
      'reprocessed 40/41 files: 40 rows inserted or changed, 1 malformed files skipped',
    );
    expect({ days: await dailyRows(), months: await monthlyRows() }).toEqual(stored);

    // The malformed file alone: the progress line says none was loaded.
    const alone = await runCli(['reprocess', '--data-dir', direct, '-s', '2021-03-21', ...quiet], { env });
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/\] 0 of 1 files loaded\n/);
    expect(alone.stderr).toContain(
      'reprocessed 0/1 files: 0 rows inserted or changed, 1 malformed files skipped',
    );

    // Again, filtered: nothing changes, nothing is duplicated.
    const again = await runCli(
      ['reprocess', '--data-dir', direct, '-c', 'ethereum', '-s', '2021-03-05', ...quiet],
      { env },
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('reprocessed 16/16 files: 0 rows inserted or changed');
    expect({ days: await dailyRows(), months: await monthlyRows() }).toEqual(stored);
  });

  it("reprocesses the range spider's files to the same rows", async () => {
    const dataDir = tempDir();
    const args = [
      '-c',
      'cardano',
      '-s',
      '2021-04-01',
      '-e',
      '2021-04-30',
      '-d',
      '--spider',
      'coingecko_market_chart',
    ];
    expect((await crawl(args, dataDir)).code).toBe(0);
    const stored = { days: await dailyRows(), months: await monthlyRows() };
    expect(stored.days.map((r) => r.usd_price)).toEqual(
      stored.days.map((r) => loadCsvPrices('cardano').get(r.date)?.price),
    );
    await db.query('TRUNCATE coingecko_scraped_data, coingecko_processed_data');
    const result = await runCli(['reprocess', '--data-dir', dataDir, ...quiet], {
      env: { DATABASE_URL: db.url },
    });
    expect(result.code).toBe(0);
    expect({ days: await dailyRows(), months: await monthlyRows() }).toEqual(stored);
  });

  it('stores into an embedded Postgres under <data-dir>/db when DATABASE_URL is not set', async () => {
    const dataDir = tempDir();
    const result = await crawl(
      ['-c', 'cardano', '-s', '2021-06-01', '-e', '2021-06-05', '--db-store'],
      dataDir,
      '',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`and embedded Postgres (PGlite) in ${join(dataDir, 'db')}`);
    const dataSource = await openDatabase({ databaseUrl: '', dataDir });
    const query = <T>(sql: string) => dataSource.query(sql) as Promise<T[]>;
    const rows = await dailyRows(query);
    const months = await monthlyRows(query);
    await dataSource.destroy();
    expect(rows.map((r) => [r.date, r.usd_price])).toEqual(
      ['01', '02', '03', '04', '05'].map((d) => [
        `2021-06-${d}`,
        loadCsvPrices('cardano').get(`2021-06-${d}`)?.price,
      ]),
    );
    expect(months).toEqual(expectedMonths(['cardano'], '2021-06-01', '2021-06-05'));
  });
});
