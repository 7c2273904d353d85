/**
 * Extensions through `crawl.ts`, as a user runs them: Scrapy's CloseSpider (each of its four limits,
 * reached through `--set` or `CRAWLER_*`), a built-in turned off by null, an unknown name, and a
 * user's own extension (the example spider's `post-summary`) posting to a local server, also when
 * that server fails. Small crawls against the mock API and the catalogue API, zero latency except
 * where a timeout needs time to pass.
 */
import { join } from 'node:path';
import { CatalogueApi, PRODUCTS, startCatalogueApi } from '../fixtures/catalogue-api/server';
import { MOCK_DEFAULTS } from '../helpers/mock-defaults';
import { readDayFiles, runCli, tempDir } from '../helpers/cli';
import { startServer, TestServer } from '../helpers/http-servers';
import { MockApi, startMockApi } from '../mock-api/server';

let mock: MockApi;
beforeAll(async () => {
  mock = await startMockApi();
});
afterAll(() => mock.close());
/** Where this test's requests start in the mock's record. */
let since = 0;
beforeEach(() => {
  mock.configure(MOCK_DEFAULTS);
  since = mock.requests.length;
});
/** The mock's requests of this test. */
const sent = () => mock.requests.slice(since);

const quiet = ['--set', 'PROGRESS_BAR=off'];
/** Ten days of bitcoin, one request at a time (so a limit stops at an exact count). */
const TEN_DAYS = ['-c', 'bitcoin', '-s', '2021-03-01', '-e', '2021-03-10', '--concurrency', '1'];

function crawl(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return runCli([...args, '--api-url', mock.url, '--data-dir', dataDir, ...quiet], { env });
}

describe('CloseSpider', () => {
  it('CLOSESPIDER_ITEMCOUNT stops after that many items, keeps them, and the job dir resumes the rest', async () => {
    const dataDir = tempDir();
    const job = ['--job-dir', join(dataDir, 'job')];
    const first = await crawl([...TEN_DAYS, ...job, '--set', 'CLOSESPIDER_ITEMCOUNT=3'], dataDir);
    // Not every day was stored: exit 1 (not 130: no signal), and the summary says why and how to go on.
    expect(first.code).toBe(1);
    expect(readDayFiles(dataDir).size).toBe(3);
    expect(first.stderr).toContain('"finish_reason": "closespider_itemcount"');
    expect(first.stderr).toContain('stopped (closespider_itemcount)');
    expect(first.stderr).toContain('3/10 requests succeeded, 3 items stored, 0 failed, 7 not run');
    expect(first.stderr).toContain(`to resume`);
    expect(sent()).toHaveLength(3);

    const second = await crawl([...TEN_DAYS, ...job], dataDir);
    expect(second.code).toBe(0);
    expect(readDayFiles(dataDir).size).toBe(10);
    // Each day asked for once over both runs.
    expect(new Set(sent().map((r) => r.date)).size).toBe(10);
    expect(sent()).toHaveLength(10);
  });

  it('CLOSESPIDER_PAGECOUNT (here from CRAWLER_CLOSESPIDER_PAGECOUNT) stops after that many answers', async () => {
    const dataDir = tempDir();
    const result = await crawl(TEN_DAYS, dataDir, { CRAWLER_CLOSESPIDER_PAGECOUNT: '2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"finish_reason": "closespider_pagecount"');
    expect(readDayFiles(dataDir).size).toBe(2);
    expect(sent()).toHaveLength(2);
  });

  it('CLOSESPIDER_ERRORCOUNT stops after that many failed requests', async () => {
    const dataDir = tempDir();
    mock.failNext(2, 422);
    const result = await crawl([...TEN_DAYS, '--set', 'CLOSESPIDER_ERRORCOUNT=2'], dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"finish_reason": "closespider_errorcount"');
    expect(result.stderr).toContain('0/10 requests succeeded, 0 items stored, 2 failed, 8 not run');
    expect(sent()).toHaveLength(2);
  });

  it('CLOSESPIDER_TIMEOUT stops that many seconds after the crawl opened, keeping what was stored', async () => {
    const dataDir = tempDir();
    // 10 answers of 400 ms each, one at a time: 4 s of work; the limit is 1 s.
    mock.configure({ latencyMs: 400 });
    const result = await crawl([...TEN_DAYS, '--set', 'CLOSESPIDER_TIMEOUT=1'], dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"finish_reason": "closespider_timeout"');
    const stored = readDayFiles(dataDir).size;
    expect(stored).toBeLessThan(10);
    // Every answer received was stored: the stop lets the request in flight finish.
    expect(sent().filter((r) => r.status === 200)).toHaveLength(stored);
  });

  it('a bad limit is a usage error', async () => {
    const result = await crawl([...TEN_DAYS, '--set', 'CLOSESPIDER_ITEMCOUNT=-1'], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('CLOSESPIDER_ITEMCOUNT');
    expect(sent()).toHaveLength(0);
  });
});

describe('built-in extensions', () => {
  it('EXTENSIONS.request-log=null drops the per-request lines; the stats and the summary stay', async () => {
    const dataDir = tempDir();
    const result = await crawl([...TEN_DAYS, '--set', 'EXTENSIONS.request-log=null'], dataDir);
    expect(result.code).toBe(0);
    expect(readDayFiles(dataDir).size).toBe(10);
    expect(result.stderr).not.toContain('HTTP 200, 1 item(s)');
    expect(result.stderr).toContain('Dumping crawl stats:');
    expect(result.stderr).toMatch(/"memory\/peak_rss_bytes": \d+/);
    expect(result.stderr).toContain('10/10 requests succeeded, 10 items stored, 0 failed');
  });

  it('with every extension on, each request has its line and the stats are dumped', async () => {
    const dataDir = tempDir();
    const result = await crawl(TEN_DAYS, dataDir);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[10\/10 100% ETA 0:00\] bitcoin 2021-03-10: HTTP 200, 1 item\(s\)/);
    expect(result.stderr).toContain('"finish_reason": "finished"');
  });

  it('an unknown extension is a usage error: exit 2, one line, nothing sent', async () => {
    const dataDir = tempDir();
    const result = await crawl([...TEN_DAYS, '--set', 'EXTENSIONS.nope=10'], dataDir);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('EXTENSIONS: unknown extension "nope" (known: autothrottle, closespider');
    expect(sent()).toHaveLength(0);
  });
});

describe("a user's own extension: the example spider's post-summary", () => {
  let api: CatalogueApi;
  let hook: TestServer;
  /** While true, the hook answers 500. */
  let hookDown = false;
  beforeAll(async () => {
    api = await startCatalogueApi();
    hook = await startServer((_request, response) => response.writeHead(hookDown ? 500 : 204).end());
  });
  afterAll(async () => {
    await api.close();
    await hook.close();
  });
  beforeEach(() => hook.received.splice(0));

  const inStock = PRODUCTS.filter((product) => Number(product.stock) > 0).length;
  const catalogue = (dataDir: string, extra: string[] = []) =>
    runCli([
      '--spider',
      'catalogue_example',
      '-a',
      `base=${api.url}`,
      '--data-dir',
      dataDir,
      '--set',
      `CATALOGUE_SUMMARY_URL=${hook.origin}/crawls`,
      ...quiet,
      ...extra,
    ]);

  it('posts the summary when the spider closes', async () => {
    hookDown = false;
    const result = await catalogue(tempDir());
    expect(result.code).toBe(0);
    expect(hook.received).toHaveLength(1);
    const [post] = hook.received;
    expect(post.method).toBe('POST');
    expect(post.url).toBe('/crawls');
    expect(JSON.parse(post.body)).toMatchObject({
      spider: 'catalogue_example',
      reason: 'finished',
      items: inStock,
      dropped: PRODUCTS.length - inStock,
      requests: 25,
      failed: 0,
    });
    expect(result.stderr).toContain(`post-summary: posted the summary (${inStock} items)`);
  });

  it('a failing hook is logged with the extension name; the crawl keeps its data and its exit code', async () => {
    hookDown = true;
    const result = await catalogue(tempDir());
    expect(result.code).toBe(0);
    expect(hook.received).toHaveLength(1);
    expect(result.stderr).toContain(
      'extension post-summary failed on spiderClosed: the summary URL answered HTTP 500',
    );
    expect(result.stderr).toContain(`25/25 requests succeeded, ${inStock} items stored, 0 failed`);
  });

  it('null turns it off', async () => {
    const off = await catalogue(tempDir(), ['--set', 'EXTENSIONS.post-summary=null']);
    expect(off.code).toBe(0);
    expect(hook.received).toHaveLength(0);
  });
});
