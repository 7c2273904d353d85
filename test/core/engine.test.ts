/**
 * The spider contract, end to end through the engine: spiders written here (as a user writes one)
 * crawl a real local server. Callbacks of every shape, routing, meta, follow/urljoin, complete HTTP
 * requests, dedupe by fingerprint, redirects, compression, proxies, the API key at send time, and
 * a clear failure for a callback that yields something that is neither an item nor a request.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import winston from 'winston';
import { CrawlResult, Engine } from '../../src/core/engine';
import { defineItemType } from '../../src/core/item';
import { ItemPipeline, PipelineChain } from '../../src/core/pipeline';
import { Request } from '../../src/core/request';
import type { Response } from '../../src/core/response';
import { Router } from '../../src/core/router';
import { resolveSettings } from '../../src/core/settings-loader';
import { Spider, SpiderClass } from '../../src/core/spider';
import { middlewareRegistry } from '../../src/crawler/open-crawl';
import { tempDir } from '../helpers/cli';
import { Received, startProxy, startServer, TestServer } from '../helpers/http-servers';
import { NOTHING_STORED } from '../helpers/spiders';

interface Page {
  path: string;
  body: unknown;
}
const PageItem = defineItemType<Page>({ name: 'page', key: (page) => String(page.path) });
const Other = defineItemType<{ other: number }>({ name: 'other' });

let server: TestServer;
/** While true, `/flaky` answers 503. */
let flaky = false;
beforeAll(async () => {
  server = await startServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/flaky' && flaky) {
      response.writeHead(503).end();
    } else if (url.pathname === '/redirect') {
      response.writeHead(301, { location: '/landing/here' }).end();
    } else if (url.pathname === '/gzip') {
      response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":true}'));
    } else if (url.pathname === '/list') {
      response.end(JSON.stringify({ links: ['detail/1', 'detail/2', '/detail/2', 'detail/3#frag'] }));
    } else {
      response.end(
        JSON.stringify({ method: request.method, path: url.pathname + url.search, body: request.body }),
      );
    }
  });
});
afterAll(() => server.close());
beforeEach(() => server.received.splice(0));

/** The engine of the crawl running now (a callback may stop it). */
let running: Engine | undefined;

/** Runs one spider class through the engine with the given settings overrides; collects the items. */
async function crawl(spiderClass: SpiderClass, overrides: string[] = [], env: Record<string, string> = {}) {
  const items: unknown[] = [];
  const collect = (): ItemPipeline => ({ process: (item) => (items.push(item), item) });
  const settings = resolveSettings({
    env,
    spider: spiderClass.customSettings,
    overrides: ['ITEM_PIPELINES_BASE={}', 'ITEM_PIPELINES={"collect":1}', ...overrides],
  });
  const logger = winston.createLogger({ silent: true });
  const pipelines = PipelineChain.fromSettings({ collect }, settings, {});
  const spider = new spiderClass({ args: {}, settings, stored: NOTHING_STORED });
  const engine = new Engine({
    settings,
    logger,
    pipelines,
    downloaderMiddlewares: middlewareRegistry(spiderClass),
  });
  running = engine;
  const result = await engine.run({ spider, itemTypes: spiderClass.itemTypes, rateLimitPerMinute: 0 });
  return { items, result };
}

/** A spider class from its start requests and callbacks, with the page item type. */
function spiderOf(
  name: string,
  body: Record<string, unknown>,
  statics: Partial<SpiderClass> = {},
): SpiderClass {
  const spiderClass = class extends Spider {
    static readonly spiderName = name;
    static readonly description = 'test';
    static readonly itemTypes = statics.itemTypes ?? [PageItem];
    static readonly customSettings = statics.customSettings;
    startRequests() {
      return (body.startRequests as () => unknown).call(this) as Request[];
    }
  };
  Object.assign(spiderClass.prototype, body);
  return spiderClass as unknown as SpiderClass;
}

const url = (path: string) => `${server.origin}${path}`;
const paths = (received: Received[]) => received.map((r) => r.url).sort();

test('callbacks may be sync or async, return or yield, arrays or (async) generators, with items and requests mixed', async () => {
  const { items, result } = await crawl(
    spiderOf('shapes', {
      startRequests: () => [new Request({ url: url('/a'), callback: 'generator', meta: { n: 1 } })],
      *generator(response: Response<{ n: number }>) {
        yield { path: 'gen', body: response.meta.n };
        yield response.follow('/b', { callback: 'asyncGenerator' });
      },
      async *asyncGenerator(response: Response) {
        yield { path: 'async-gen', body: response.json() };
        yield new Request({ url: url('/c'), callback: 'promiseOfArray' });
      },
      async promiseOfArray(response: Response) {
        return [{ path: 'promise', body: response.url }, response.follow('d', { callback: 'nothing' })];
      },
      nothing() {},
    }),
  );
  expect(result.failures).toEqual([]);
  expect(items).toEqual([
    { path: 'gen', body: 1 },
    { path: 'async-gen', body: { method: 'GET', path: '/b', body: '' } },
    { path: 'promise', body: url('/c') },
  ]);
  expect(paths(server.received)).toEqual(['/a', '/b', '/c', '/d']);
  expect(result.requestCount).toBe(4);
});

test('a label routes to the router handler; the default callback is parse', async () => {
  const { items } = await crawl(
    spiderOf('routed', {
      startRequests: () => [new Request({ url: url('/list') })],
      parse(response: Response) {
        return [response.follow('/x', { callback: 'detail' })];
      },
      router: new Router().add('detail', (response) => [{ path: 'routed', body: response.url }]),
    }),
  );
  expect(items).toEqual([{ path: 'routed', body: url('/x') }]);
});

test('follow resolves against the answer; the queue sends each fingerprint once, unless dontFilter', async () => {
  const { result } = await crawl(
    spiderOf('follow', {
      startRequests: () => [new Request({ url: url('/list') })],
      parse(response: Response) {
        const { links } = response.json<{ links: string[] }>();
        return [
          ...links.map((link) => response.follow(link, { callback: 'leaf' })),
          response.follow('detail/1', { callback: 'leaf', dontFilter: true }),
          // Same URL, other query order: the same request.
          response.follow('q?b=2&a=1', { callback: 'leaf' }),
          response.follow('q?a=1&b=2', { callback: 'leaf' }),
        ];
      },
      leaf() {},
    }),
  );
  expect(paths(server.received)).toEqual([
    '/detail/1',
    '/detail/1',
    '/detail/2',
    '/detail/3',
    '/list',
    '/q?b=2&a=1',
  ]);
  expect(result.stats['dupefilter/filtered']).toBe(2);
  expect(result.requestCount).toBe(6);
});

test('requests are complete: method, headers, JSON and form bodies; two POSTs with different bodies are two requests', async () => {
  const { items } = await crawl(
    spiderOf('post', {
      startRequests: () => [
        new Request({ url: url('/api'), method: 'POST', json: { q: 'a' }, callback: 'echo' }),
        new Request({ url: url('/api'), method: 'POST', json: { q: 'b' }, callback: 'echo' }),
        new Request({ url: url('/api'), method: 'POST', json: { q: 'b' }, callback: 'echo' }),
        new Request({ url: url('/form'), method: 'PUT', form: { a: 1, tags: ['x', 'y'] }, callback: 'echo' }),
        new Request({ url: url('/head'), headers: { 'X-Custom': 'yes' }, callback: 'echo' }),
      ],
      echo(response: Response) {
        return [{ path: response.url, body: response.json() }];
      },
    }),
  );
  expect(items).toHaveLength(4);
  const posts = server.received.filter((r) => r.url === '/api');
  expect(posts.map((r) => r.body).sort()).toEqual(['{"q":"a"}', '{"q":"b"}']);
  expect(posts[0].headers['content-type']).toBe('application/json');
  const put = server.received.find((r) => r.url === '/form') as Received;
  expect([put.method, put.body, put.headers['content-type']]).toEqual([
    'PUT',
    'a=1&tags=x&tags=y',
    'application/x-www-form-urlencoded',
  ]);
  expect(server.received.find((r) => r.url === '/head')?.headers['x-custom']).toBe('yes');
});

test('redirects are followed (response.url is where they led), unless REDIRECT_ENABLED is off', async () => {
  const spider = spiderOf('redirect', {
    startRequests: () => [new Request({ url: url('/redirect') })],
    parse(response: Response) {
      return [{ path: response.url, body: response.status }];
    },
  });
  const followed = await crawl(spider);
  expect(followed.items).toEqual([{ path: url('/landing/here'), body: 200 }]);
  expect(followed.result.stats['downloader/redirect_count']).toBe(1);
  const notFollowed = await crawl(spider, ['REDIRECT_ENABLED=false']);
  expect(notFollowed.items).toEqual([]);
  expect(notFollowed.result.failures).toEqual([{ label: url('/redirect'), reason: 'HTTP 301' }]);
  const tooMany = await crawl(spider, ['REDIRECT_MAX_TIMES=0']);
  expect(tooMany.result.failures[0].reason).toMatch(/redirect/i);
});

test('a compressed answer reaches the callback decoded', async () => {
  const { items } = await crawl(
    spiderOf('gzip', {
      startRequests: () => [new Request({ url: url('/gzip') })],
      parse: (response: Response) => [{ path: 'gzip', body: response.json() }],
    }),
  );
  expect(items).toEqual([{ path: 'gzip', body: { zipped: true } }]);
  expect(server.received[0].headers['accept-encoding']).toBe('gzip, deflate, br');
});

test('HTTP_PROXY is honoured, and NO_PROXY bypasses it', async () => {
  const proxy = await startProxy();
  try {
    const spider = spiderOf('proxied', {
      startRequests: () => [new Request({ url: url('/via') })],
      parse: () => [],
    });
    await crawl(spider, [], { HTTP_PROXY: proxy.url });
    expect(proxy.seen.map((seen) => seen.url)).toEqual([url('/via')]);
    await crawl(spider, [], { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(proxy.seen).toHaveLength(1);
    expect(server.received).toHaveLength(2);
  } finally {
    await proxy.close();
  }
});

test("the spider's secret header is sent, never stored in the job dir's queue", async () => {
  const jobDir = tempDir();
  const spider = class extends Spider {
    static readonly spiderName = 'keyed';
    static readonly description = 'test';
    static readonly itemTypes = [PageItem];
    override readonly secretHeaderNames = ['x-api-key'];
    override requestHeaders() {
      return { 'x-api-key': 'sekret-123' };
    }
    startRequests() {
      return [new Request({ url: url('/keyed'), headers: { accept: 'application/json' } })];
    }
    parse() {
      return [];
    }
  };
  await crawl(spider, [`JOB_DIR=${jobDir}`]);
  expect(server.received[0].headers['x-api-key']).toBe('sekret-123');
  expect(server.received[0].headers.accept).toBe('application/json');
  const queueDir = join(jobDir, 'request_queues', 'crawl');
  const stored = readdirSync(queueDir).map((name) => readFileSync(join(queueDir, name), 'utf8'));
  expect(stored.join('')).toContain('/keyed');
  expect(stored.join('')).not.toContain('sekret-123');
});

describe('output that is not data is an error naming the spider and the callback', () => {
  const failure = (result: CrawlResult) => result.failures.map((f) => f.reason).join('\n');

  test.each([
    ['a number', 42, 'spider bad, callback parse: yielded a number (42)'],
    ['a string', 'oops', 'spider bad, callback parse: yielded a string ("oops")'],
    ['null', null, 'spider bad, callback parse: yielded null'],
    ['an array', [1], 'spider bad, callback parse: yielded an array'],
    ['a class instance', new Date(0), 'spider bad, callback parse: yielded an object of class Date'],
  ])('%s', async (_, value, message) => {
    const { items, result } = await crawl(
      spiderOf('bad', {
        startRequests: () => [new Request({ url: url('/bad') })],
        *parse() {
          yield { path: 'before', body: 1 };
          yield value;
        },
      }),
    );
    expect(failure(result)).toContain(message);
    // Nothing of that answer is kept: it is a bug to fix, not half the data.
    expect(items).toEqual([]);
  });

  test.each([
    [
      'a single item',
      { path: 'x', body: 1 },
      'spider single, callback parse: returned an object of class Object',
    ],
    ['a string', 'oops', 'spider single, callback parse: returned a string ("oops")'],
  ])('a callback that returns %s instead of a collection', async (_, value, message) => {
    const { result } = await crawl(
      spiderOf('single', { startRequests: () => [new Request({ url: url('/single') })], parse: () => value }),
    );
    expect(failure(result)).toContain(message);
  });

  test('a request for a callback the spider does not have', async () => {
    const { result } = await crawl(
      spiderOf('nocallback', {
        startRequests: () => [new Request({ url: url('/one') })],
        parse: (response: Response) => [response.follow('/two', { callback: 'pasre' })],
      }),
    );
    expect(failure(result)).toContain(
      'spider nocallback: no callback "pasre": not a router label nor a method',
    );
  });

  test('an item of a type the spider does not list, or of no type when it lists several', async () => {
    const several = await crawl(
      spiderOf(
        'several',
        { startRequests: () => [new Request({ url: url('/s') })], parse: () => [{ path: 'x', body: 1 }] },
        { itemTypes: [PageItem, Other] },
      ),
    );
    expect(failure(several.result)).toContain('yielded an item of no known type');
    const marked = await crawl(
      spiderOf(
        'several2',
        {
          startRequests: () => [new Request({ url: url('/s2') })],
          parse: () => [Other.create({ other: 1 }), PageItem.create({ path: 'p', body: 2 })],
        },
        { itemTypes: [PageItem, Other] },
      ),
    );
    expect(marked.items).toEqual([{ other: 1 }, { path: 'p', body: 2 }]);
  });
});

test('a request with a priority above 0 goes before those already waiting', async () => {
  const { result } = await crawl(
    spiderOf('priority', {
      startRequests: () => [
        ...[1, 2, 3].map((n) => new Request({ url: url(`/low/${n}`) })),
        new Request({ url: url('/high'), priority: 1 }),
      ],
      parse: () => [],
    }),
    ['CONCURRENT_REQUESTS=1'],
  );
  expect(result.failures).toEqual([]);
  expect(server.received.map((r) => r.url)).toEqual(['/high', '/low/1', '/low/2', '/low/3']);
});

test('with a job dir, a request found on the way that failed runs again on resume; done ones do not', async () => {
  const jobDir = tempDir();
  const spider = spiderOf('resume', {
    startRequests: () => [new Request({ url: url('/list') })],
    parse: (response: Response) => [
      response.follow('/flaky', { callback: 'leaf' }),
      response.follow('/fine', { callback: 'leaf' }),
    ],
    leaf: (response: Response) => [{ path: new URL(response.url).pathname, body: response.status }],
  });
  const settings = [`JOB_DIR=${jobDir}`, 'RETRY_TIMES=0'];
  flaky = true;
  const first = await crawl(spider, settings);
  expect(first.result.failures.map((f) => f.label)).toEqual([url('/flaky')]);
  expect(first.items).toEqual([{ path: '/fine', body: 200 }]);

  flaky = false;
  server.received.splice(0);
  const second = await crawl(spider, settings);
  expect(second.result.failures).toEqual([]);
  expect(second.items).toEqual([{ path: '/flaky', body: 200 }]);
  expect(server.received.map((r) => r.url)).toEqual(['/flaky']);
  expect(second.result.requestCount).toBe(1);
  expect(second.result.stats['jobdir/already_done_count']).toBe(1);

  // Nothing left: a third run sends nothing.
  server.received.splice(0);
  const third = await crawl(spider, settings);
  expect(server.received).toEqual([]);
  expect(third.result.requestCount).toBe(0);
});

test('GET and HEAD of one URL are two requests; the fingerprint has the method', async () => {
  await crawl(
    spiderOf('methods', {
      startRequests: () => [
        new Request({ url: url('/same'), method: 'HEAD' }),
        new Request({ url: url('/same') }),
      ],
      parse: () => [],
    }),
  );
  expect(server.received.map((r) => r.method).sort()).toEqual(['GET', 'HEAD']);
});

describe('start requests are read as the queue drains', () => {
  /** A spider of `count` start requests that logs, per answer, how many start requests were read by then. */
  function counted(count: number, failAfter = Infinity) {
    const read: number[] = [];
    let pulled = 0;
    const spider = spiderOf('lazy', {
      *startRequests() {
        for (let n = 1; n <= count; n += 1) {
          if (n > failAfter) throw new Error(`start request ${n} could not be made`);
          pulled = n;
          yield new Request({ url: url(`/start/${n}`) });
        }
      },
      parse(response: Response) {
        read.push(pulled);
        return [{ path: new URL(response.url).pathname, body: response.status }];
      },
    });
    return { spider, read };
  }

  test('a window of START_REQUESTS_BATCH at a time, every one sent once', async () => {
    const { spider, read } = counted(50);
    const { items, result } = await crawl(spider, ['START_REQUESTS_BATCH=10', 'CONCURRENT_REQUESTS=2']);
    expect(result.failures).toEqual([]);
    expect(items).toHaveLength(50);
    expect(new Set(server.received.map((r) => r.url)).size).toBe(50);
    expect(result.requestCount).toBe(50);
    // The first answer came when one batch had been read, not all 50; later ones stay within reach.
    expect(read[0]).toBe(10);
    read.forEach((pulled, answered) => expect(pulled - answered).toBeLessThanOrEqual(20));
  });

  test('with a job dir, a crawl stopped half-way sends each remaining start request once on resume', async () => {
    const jobDir = tempDir();
    const settings = ['START_REQUESTS_BATCH=10', 'CONCURRENT_REQUESTS=1', `JOB_DIR=${jobDir}`];
    const stopping = counted(40);
    const stopAt12 = spiderOf('lazy', {
      startRequests: stopping.spider.prototype.startRequests,
      parse(response: Response) {
        if (stopping.read.push(0) === 12) running?.stop('test stop');
        return [{ path: new URL(response.url).pathname, body: response.status }];
      },
    });
    const first = await crawl(stopAt12, settings);
    expect(first.result.stoppedBy).toBe('test stop');
    expect(first.items).toHaveLength(12);

    const second = await crawl(counted(40).spider, settings);
    expect(second.result.failures).toEqual([]);
    expect(second.items).toHaveLength(28);
    expect(second.result.stats['jobdir/already_done_count']).toBe(12);
    // What the stopped run left in line is resumed, not filtered as duplicates.
    expect(second.result.stats['dupefilter/filtered']).toBeUndefined();
    expect(second.result.requestCount).toBe(28);
    const sent = server.received.map((r) => r.url);
    expect(sent).toHaveLength(40);
    expect(new Set(sent).size).toBe(40);
  });

  test('an error thrown half-way through the start requests stops the crawl and is reported', async () => {
    const { spider } = counted(30, 15);
    await expect(crawl(spider, ['START_REQUESTS_BATCH=10', 'CONCURRENT_REQUESTS=1'])).rejects.toThrow(
      'start request 16 could not be made',
    );
    // The crawl stopped once the second batch failed: only requests of the first batch were sent.
    expect(server.received.length).toBeGreaterThan(0);
    expect(server.received.length).toBeLessThanOrEqual(10);
    expect(server.received.every((r) => Number(r.url.split('/').pop()) <= 10)).toBe(true);
  });
});
