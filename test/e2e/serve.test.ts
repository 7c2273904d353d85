/**
 * `crawl.ts serve` in a real browser (Debian's Chromium, headless, through playwright-core): one
 * server and one browser for the file, on a Postgres database filled by crawls of the project's
 * mock API and a worker that ran a failing job. The tests assert what the pages show against what
 * was stored and what `runs` and `report` print.
 */
import { get } from 'node:http';
import type { Page } from 'playwright-core';
import { loadCsvPrices, MockApi, startMockApi } from '../mock-api/server';
import { QUEUES } from '../../src/scheduler/queue';
import type { Run } from '../../src/scheduler/runs';
import { addDays, todayUtc } from '../../src/util/dates';
import { Browser, documentScreenshot, launchBrowser, screenshotOnFailure } from '../helpers/browser';
import { runCli, spawnCli, tempDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import { RunningServe, startServe } from '../helpers/serve';

jest.setTimeout(120_000);

const TOKEN = 'test-token-0123456789abcdef';
const today = todayUtc();
const yesterday = addDays(today, -1);
const day = (offset: number) => addDays(today, offset);

let mock: MockApi;
let db: TestDatabase;
let env: Record<string, string>;
let serve: RunningServe;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mock = await startMockApi();
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, DATA_DIR: tempDir() };
  const crawl = (args: string[]) => runCli([...args, '-d', '--api-url', mock.url], { env });
  const crawls = await Promise.all([
    crawl(['-c', 'bitcoin', 'ethereum', '-s', '2021-08-20', '-e', '2021-09-30']),
    // mockcoin: 20 days, a 10-day gap, then every day up to yesterday.
    crawl(['-c', 'mockcoin', '-s', day(-40), '-e', day(-21)]),
  ]);
  crawls.push(await crawl(['-c', 'mockcoin', '-s', day(-10), '-e', yesterday]));
  expect(crawls.map((result) => result.code)).toEqual([0, 0, 0]);
  await runFailingJob();
  serve = await startServe([], { ...env, SERVE_TOKEN: TOKEN, DAILY_COINS: 'mockcoin,bitcoin' });
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
  await mock?.close();
  await db?.drop();
});

/** A daily job for a coin the API does not know, with no retries, run by a real worker: it fails. */
async function runFailingJob(): Promise<void> {
  const queued = await runCli(
    ['daily', '--enqueue', '--date', yesterday, '-c', 'nosuchcoin', '--set', 'JOB_RETRY_LIMIT=0'],
    { env },
  );
  expect(queued.stdout).toBe(`queued: daily nosuchcoin:${yesterday}\n`);
  const worker = spawnCli(
    ['worker', '--api-url', mock.url, '--set', 'WORKER_POLL_INTERVAL=0.2', '--set', 'PROGRESS_BAR=off'],
    { env },
  );
  try {
    for (let i = 0; i < 300; i++) {
      const rows = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = $1`, [
        QUEUES.daily,
      ]);
      if (rows[0]?.state === 'failed') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the job did not fail');
  } finally {
    worker.child.kill('SIGTERM');
    await worker.done;
  }
}

/** The status of a GET that names another host (fetch won't send a Host header of its own). */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

/** Runs a test body with a screenshot in the browser's temp folder if it fails. */
const step = (name: string, body: () => Promise<void>) => screenshotOnFailure(page, browser.dir, name, body);

async function cellText(selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

test("the overview shows each coin's last day, days stored, and the missing days as ranges", () =>
  step('overview', async () => {
    await page.goto(`${serve.url}/`);
    const mockcoin = 'tr[data-coin="mockcoin"]';
    expect(await cellText(`${mockcoin} .last-day`)).toBe(yesterday);
    expect(await page.locator(`${mockcoin} .last-day`).getAttribute('class')).toContain('good');
    expect(await cellText(`${mockcoin} .days-stored`)).toBe('30');
    // The 30 days up to yesterday lack day -20..-11; the year also lacks everything before day -40.
    expect(await cellText(`${mockcoin} .gaps-30`)).toBe(`10 ${day(-20)}..${day(-11)}`);
    expect(await page.locator(`${mockcoin} .gaps-30`).getAttribute('class')).toContain('bad');
    expect(await cellText(`${mockcoin} .gaps-365`)).toBe(
      `335 ${day(-365)}..${day(-41)}, ${day(-20)}..${day(-11)}`,
    );

    const bitcoin = 'tr[data-coin="bitcoin"]';
    expect(await cellText(`${bitcoin} .last-day`)).toBe('2021-09-30 late');
    expect(await page.locator(`${bitcoin} .last-day`).getAttribute('class')).toContain('bad');
    expect(await cellText(`${bitcoin} .days-stored`)).toBe('42');
    const coins = page.locator('#coins tbody tr');
    expect(await coins.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-coin')))).toEqual([
      'bitcoin',
      'ethereum',
      'mockcoin',
    ]);
    // The failed job is listed under the recent failures, with its error.
    expect(await cellText('.runs tr[data-state="failed"] .coin')).toBe('nosuchcoin');
    await documentScreenshot(page, 'overview');
  }));

test('a failed job is in the Runs page with its error, as `runs` reports it; filters and pages work', () =>
  step('runs', async () => {
    const cli = await runCli(['runs', '--format', 'json', '--state', 'failed'], { env });
    const [failed] = JSON.parse(cli.stdout) as Run[];
    expect(failed).toMatchObject({ coin: 'nosuchcoin', days: yesterday, state: 'failed', attempts: 1 });
    expect(failed.error).toMatch(/coin not found/);

    await page.goto(`${serve.url}/runs`);
    await page.check('input[name="state"][value="failed"]');
    await page.click('#filters button[type="submit"]');
    expect(new URL(page.url()).search).toBe('?state=failed');
    const rows = page.locator('.runs tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await cellText('.runs tbody tr .error')).toBe(failed.error);
    expect(await page.locator('.runs tbody tr').getAttribute('class')).toContain('bad');

    await page.goto(`${serve.url}/runs?state=completed&queue=backfill`);
    expect(await page.locator('#no-runs').isVisible()).toBe(true);
    await page.goto(`${serve.url}/runs?page=2`);
    expect(await page.locator('#no-runs').isVisible()).toBe(true);
    expect(await page.locator('a[rel="prev"]').getAttribute('href')).toBe('/runs?page=1');
  }));

test('the price chart has a point per stored day, and its tooltip gives the day and the price', () =>
  step('charts', async () => {
    await page.goto(`${serve.url}/charts?coin-id=bitcoin&start-date=2021-09-01&end-date=2021-09-30`);
    await page.waitForSelector('#chart-daily[data-ready="true"]');
    const labels = await page
      .locator('#chart-daily [aria-roledescription="point"]')
      .evaluateAll((points) => points.map((point) => point.getAttribute('aria-label') ?? ''));
    const csv = loadCsvPrices('bitcoin');
    const expected = [...csv]
      .filter(([date]) => date >= '2021-09-01' && date <= '2021-09-30')
      .map(
        ([date, row]) =>
          `coin: bitcoin; day: ${date}; usd_price: ${Number((row.price as number).toPrecision(10))}`,
      );
    expect(labels).toHaveLength(30);
    // A label reads `date (UTC): Sep 01; USD: ...; coin: bitcoin; day: 2021-09-01; usd_price: ...`.
    expect(labels.map((label) => label.slice(label.indexOf('coin: '))).sort()).toEqual(expected.sort());

    await page.locator('#chart-daily [aria-label*="day: 2021-09-15;"]').hover();
    const tooltip = page.locator('#vg-tooltip-element');
    await tooltip.waitFor({ state: 'visible' });
    const shown = await tooltip
      .locator('tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
      );
    expect(shown).toEqual([
      ['coin', 'bitcoin'],
      ['day', '2021-09-15'],
      ['usd_price', String(Number((csv.get('2021-09-15')?.price as number).toPrecision(10)))],
    ]);

    // The wheel zooms the time axis: the axis shows other days.
    const axis = () => page.locator('#chart-daily .role-axis-label text').allTextContents();
    const before = await axis();
    const box = await page.locator('#chart-daily svg').boundingBox();
    await page.mouse.move((box?.x ?? 0) + 300, (box?.y ?? 0) + 120);
    await page.mouse.wheel(0, -400);
    let after = before;
    for (let i = 0; i < 50 && after.join() === before.join(); i++) {
      await page.waitForTimeout(100);
      after = await axis();
    }
    expect(after).not.toEqual(before);

    await page.waitForSelector('#chart-monthly[data-ready="true"]');
    expect(await page.locator('#chart-monthly [aria-roledescription="bar"]').count()).toBe(1);
    await page.goto(`${serve.url}/charts?coin-id=bitcoin,ethereum`);
    await page.waitForSelector('#chart-monthly[data-ready="true"]');
    await documentScreenshot(page, 'charts');
  }));

test('a report shows the rows of `report --format json`, and its CSV is `report --format csv`', () =>
  step('reports', async () => {
    const filters = ['-c', 'bitcoin,ethereum', '-s', '2021-09-01'];
    const json = await runCli(['report', 'avg_price_by_month', '--format', 'json', ...filters], { env });
    const csv = await runCli(['report', 'avg_price_by_month', '--format', 'csv', ...filters], { env });
    expect([json.code, csv.code]).toEqual([0, 0]);

    await page.goto(`${serve.url}/reports`);
    await page.click('a[href="/reports/avg_price_by_month"]');
    await page.fill('#report-filters input[name="coin-id"]', 'bitcoin ethereum');
    await page.fill('#report-filters input[name="start-date"]', '2021-09-01');
    await page.click('#report-filters button[type="submit"]');
    const rows = await page
      .locator('#report tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td) => [
              td.dataset.column,
              JSON.parse(td.dataset.value ?? 'null'),
            ]),
          ),
        ),
      );
    expect(rows).toEqual(JSON.parse(json.stdout));
    const href = await page.locator('#csv').getAttribute('href');
    const download = await page.request.get(`${serve.url}${href}`);
    expect(download.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(await download.text()).toBe(csv.stdout);
    await documentScreenshot(page, 'reports');

    // Every stored query is a page: the other one, unfiltered, lists every coin stored.
    await page.goto(`${serve.url}/reports/rebound_after_drops`);
    const coins = await page
      .locator('#report td[data-column="coin_id"]')
      .evaluateAll((tds) => tds.map((td) => td.textContent?.trim()));
    expect(coins).toEqual(['bitcoin', 'ethereum', 'mockcoin']);
  }));

test('an action without the token is refused (403); with it, signed in on the page, it queues a job', () =>
  step('actions', async () => {
    const form = { date: yesterday, 'coin-id': 'mockcoin' };
    const jobs = () =>
      db.query(`SELECT data, state::text FROM pgboss.job WHERE name = $1 AND data->>'coinId' = 'mockcoin'`, [
        QUEUES.daily,
      ]);
    const anonymous = await page.request.post(`${serve.url}/actions/daily`, { form });
    expect(anonymous.status()).toBe(403);
    const wrong = await page.request.post(`${serve.url}/actions/daily`, {
      form,
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    expect(wrong.status()).toBe(403);
    expect(await jobs()).toEqual([]);

    await page.goto(`${serve.url}/runs`);
    expect(await page.locator('#queue-daily').count()).toBe(0);
    await page.fill('#sign-in input[name="token"]', 'a-wrong-token-of-some-length');
    await page.click('#sign-in button');
    expect(await cellText('[role="alert"]')).toBe('wrong token');
    await page.goto(`${serve.url}/runs`);
    await page.fill('#sign-in input[name="token"]', TOKEN);
    await page.click('#sign-in button');
    await page.waitForSelector('#queue-daily');
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'status_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie?.value).not.toContain(TOKEN);

    // Signed in, a request another site makes is still refused.
    const crossSite = await page.request.post(`${serve.url}/actions/daily`, {
      form,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status()).toBe(403);
    expect(await jobs()).toEqual([]);

    // The day defaults to today.
    expect(await page.inputValue('#queue-daily input[name="date"]')).toBe(today);
    await page.fill('#queue-daily input[name="coin-id"]', 'mockcoin');
    await page.click('#queue-daily button');
    expect(await cellText('#queued')).toBe(`queued: daily mockcoin:${today}`);
    expect(await jobs()).toEqual([{ data: { coinId: 'mockcoin', date: today }, state: 'created' }]);
    // The overview now says today's run of mockcoin is queued.
    await page.goto(`${serve.url}/`);
    expect(await cellText('tr[data-coin="mockcoin"] .today')).toBe('queued');

    // A program sends the token in a header; a backfill shows its progress on the Runs page.
    const backfill = await page.request.post(`${serve.url}/actions/backfill`, {
      form: { 'coin-id': 'ethereum', 'start-date': '2021-01-15', 'end-date': '2021-03-10' },
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
    });
    expect(backfill.status()).toBe(200);
    expect(((await backfill.json()) as { jobs: { key: string; queued: boolean }[] }).jobs).toEqual([
      { queue: 'backfill', key: 'ethereum:2021-01-15..2021-01-31', queued: true },
      { queue: 'backfill', key: 'ethereum:2021-02-01..2021-02-28', queued: true },
      { queue: 'backfill', key: 'ethereum:2021-03-01..2021-03-10', queued: true },
    ]);
    await page.goto(`${serve.url}/runs`);
    expect(await cellText('#backfills tr[data-coin="ethereum"]')).toBe(
      'ethereum 2021-01-15..2021-03-10 0 % 3 0 0 3 0 0',
    );
    await documentScreenshot(page, 'runs');

    // Every action is logged, refused ones too, and the token never is.
    expect(serve.log()).toMatch(
      /action refused: POST \/actions\/daily from 127\.0\.0\.1: this needs the token/,
    );
    expect(serve.log()).toContain(`action daily from 127.0.0.1 (session): queued: daily mockcoin:${today}`);
    expect(serve.log()).toContain(
      'action backfill from 127.0.0.1 (header): queued: backfill ethereum:2021-01-15..2021-01-31',
    );
    expect(serve.log()).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(TOKEN);
  }));

test('bad input is a 400 page that names the field, never a stack; markup in input stays text', () =>
  step('bad-input', async () => {
    for (const [path, status, message] of [
      ['/charts?start-date=2021-02-30', 400, 'start-date "2021-02-30": not a real date in YYYY-MM-DD'],
      [
        '/charts?start-date=2021-03-02&end-date=2021-03-01',
        400,
        'end-date 2021-03-01 is before start-date 2021-03-02',
      ],
      ['/runs?page=0', 400, 'page "0": expected a whole number from 1 to 100000'],
      [
        '/runs?state=lost',
        400,
        'state "lost": expected one of created, retry, active, completed, failed, cancelled',
      ],
      [
        '/reports/avg_price_by_month?coin-id=Bitcoin!',
        400,
        'coin-id "Bitcoin!": not a CoinGecko id (lowercase letters, digits and dashes, e.g. bitcoin)',
      ],
      [
        '/reports/nope',
        404,
        'report "nope": unknown; known reports: avg_price_by_month, rebound_after_drops',
      ],
      ['/nowhere', 404, 'no page at /nowhere'],
    ] as const) {
      const response = await page.goto(`${serve.url}${path}`);
      expect([path, response?.status(), await cellText('[role="alert"]')]).toEqual([path, status, message]);
    }
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => dialogs.push(dialog.message()));
    const response = await page.goto(
      `${serve.url}/charts?coin-id=${encodeURIComponent('<script>alert(1)</script>')}`,
    );
    expect(response?.status()).toBe(400);
    expect(await cellText('[role="alert"]')).toBe(
      'coin-id "<script>alert(1)</script>": not a CoinGecko id (lowercase letters, digits and dashes, e.g. bitcoin)',
    );
    expect(await page.locator('main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  }));

test('without SERVE_TOKEN no action is offered or accepted; beyond loopback it needs one', async () => {
  const readOnly = await startServe([], env);
  try {
    const runs = await (await fetch(`${readOnly.url}/runs`)).text();
    expect(runs).not.toContain('sign-in');
    expect(runs).not.toContain('/actions/');
    const refused = await fetch(`${readOnly.url}/actions/daily`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
      body: new URLSearchParams({ date: yesterday, 'coin-id': 'mockcoin' }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: 'actions are off: start serve with SERVE_TOKEN set to allow them',
    });
    // A page asked for under another host name (DNS rebinding) is refused.
    expect(await statusWithHost(`${readOnly.url}/`, 'attacker.example')).toBe(403);
    expect(await statusWithHost(`${readOnly.url}/`, 'localhost')).toBe(200);
  } finally {
    expect(await readOnly.stop()).toBe(0);
  }
  for (const [args, extraEnv, message] of [
    [
      ['--host', '0.0.0.0'],
      {},
      'crawl: error: --host 0.0.0.0: listening beyond this machine needs SERVE_TOKEN (16 characters or more)',
    ],
    [
      ['--port', '70000'],
      {},
      'crawl: error: --port: invalid value "70000" for SERVE_PORT: expected a whole number from 0 to 65535 (see --help)',
    ],
    [
      [],
      { SERVE_TOKEN: 'short-secret' },
      'crawl: error: environment variable SERVE_TOKEN: invalid value *** for SERVE_TOKEN: expected at least 16 characters (see --help)',
    ],
  ] as const) {
    const result = await runCli(['serve', ...args], { env: { ...env, ...extraEnv } });
    expect([args, result.code, result.stderr.trim()]).toEqual([args, 2, message]);
  }
});
