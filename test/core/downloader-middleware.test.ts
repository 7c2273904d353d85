/**
 * Downloader middlewares through the engine, against a real local server: Scrapy's ordering
 * (processRequest lowest order first, processResponse and processException highest first), what a
 * hook's Request or Response does, built-ins turned off by null, the cache keeping no 429 and no
 * ignored status, CONCURRENT_REQUESTS_PER_DOMAIN, and RANDOMIZE_DOWNLOAD_DELAY's spacing.
 */
import { readdirSync } from 'node:fs';
import winston from 'winston';
import type { DownloaderMiddleware } from '../../src/core/downloader-middleware';
import { Engine } from '../../src/core/engine';
import { RetryRequest } from '../../src/core/errors';
import { HostThrottle } from '../../src/core/host-throttle';
import { defineItemType } from '../../src/core/item';
import { ItemPipeline, PipelineChain } from '../../src/core/pipeline';
import { Request } from '../../src/core/request';
import { Response } from '../../src/core/response';
import { resolveSettings } from '../../src/core/settings-loader';
import { Spider, SpiderClass } from '../../src/core/spider';
import { middlewareRegistry } from '../../src/crawler/open-crawl';
import { tempDir } from '../helpers/cli';
import { closedPort, startServer, TestServer } from '../helpers/http-servers';
import { NOTHING_STORED } from '../helpers/spiders';

const PageItem = defineItemType<{ url: string; body: string }>({ name: 'page' });

let server: TestServer;
/** Requests in flight on the server now, and the most there were at once. */
let inFlight = 0;
let mostInFlight = 0;
/** Answers /limited gave with 429 so far (the first one is a 429). */
let limitedSeen = 0;
beforeAll(async () => {
  server = await startServer((request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/limited' && limitedSeen++ === 0) {
      response.writeHead(429, { 'retry-after': '0' }).end('{"error":"slow down"}');
    } else if (path === '/missing') {
      response.writeHead(404).end('{"error":"not found"}');
    } else if (path.startsWith('/slow')) {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        response.end(path);
      }, 30);
    } else {
      response.end(path);
    }
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.splice(0);
  calls.splice(0);
  mostInFlight = 0;
});

/** Which hooks ran, in order: `name.request`, `name.response`, `name.exception`. */
const calls: string[] = [];

/** A middleware that records its hooks and otherwise lets everything pass. */
function recorder(name: string, extra: Partial<DownloaderMiddleware> = {}): DownloaderMiddleware {
  return {
    processRequest(request, context) {
      calls.push(`${name}.request`);
      return extra.processRequest?.(request, context);
    },
    processResponse(request, response, context) {
      calls.push(`${name}.response`);
      return extra.processResponse ? extra.processResponse(request, response, context) : response;
    },
    processException(request, error, context) {
      calls.push(`${name}.exception`);
      return extra.processException?.(request, error, context);
    },
  };
}

/** A spider that asks for `paths` and stores each answer's URL and body; `middlewares` are its own. */
function spiderClass(
  paths: string[],
  middlewares: Record<string, DownloaderMiddleware>,
  origin = server.origin,
): SpiderClass {
  return class extends Spider {
    static readonly spiderName = 'middleware_test';
    static readonly description = 'test';
    static readonly itemTypes = [PageItem];
    static readonly downloaderMiddlewares = Object.fromEntries(
      Object.entries(middlewares).map(([name, middleware]) => [name, () => middleware]),
    );
    startRequests() {
      return paths.map((path) => new Request({ url: `${origin}${path}` }));
    }
    parse(response: Response) {
      // An answer the callback turns away, as a spider does with a malformed body.
      if (response.url.endsWith('/turned-away')) throw new RetryRequest('malformed_body');
      return [{ url: response.url, body: response.text }];
    }
  } as unknown as SpiderClass;
}

async function crawl(spider: SpiderClass, overrides: string[] = []) {
  const items: { url: string; body: string }[] = [];
  const collect = (): ItemPipeline => ({ process: (item) => (items.push(item as never), item) });
  const settings = resolveSettings({
    overrides: [
      'ITEM_PIPELINES_BASE={}',
      'ITEM_PIPELINES={"collect":1}',
      'RETRY_BACKOFF_BASE=0.01',
      ...overrides,
    ],
  });
  const engine = new Engine({
    settings,
    logger: winston.createLogger({ silent: true }),
    pipelines: PipelineChain.fromSettings({ collect }, settings, {}),
    downloaderMiddlewares: middlewareRegistry(spider),
  });
  const result = await engine.run({
    spider: new spider({ args: {}, settings, stored: NOTHING_STORED }),
    itemTypes: [PageItem],
    rateLimitPerMinute: 0,
  });
  return { items, result };
}

const enable = (orders: Record<string, number>) => `DOWNLOADER_MIDDLEWARES=${JSON.stringify(orders)}`;

test('processRequest runs lowest order first, processResponse highest first', async () => {
  const spider = spiderClass(['/page'], { low: recorder('low'), high: recorder('high') });
  const { items } = await crawl(spider, [enable({ low: 100, high: 700 })]);
  expect(calls).toEqual(['low.request', 'high.request', 'high.response', 'low.response']);
  expect(items).toEqual([{ url: `${server.origin}/page`, body: '/page' }]);
});

test('a Response from processRequest skips the download and the later processRequest hooks, and goes through every processResponse', async () => {
  const short = recorder('short', {
    processRequest: (request) =>
      new Response({ url: request.url, status: 200, headers: {}, body: Buffer.from('made up'), request }),
  });
  const spider = spiderClass(['/page'], { short, high: recorder('high') });
  const { items } = await crawl(spider, [enable({ short: 100, high: 700 })]);
  expect(calls).toEqual(['short.request', 'high.response', 'short.response']);
  expect(server.received).toEqual([]);
  expect(items).toEqual([{ url: `${server.origin}/page`, body: 'made up' }]);
});

test('a Request from processResponse is sent in place of the answer; the callback reads its answer', async () => {
  const moved = recorder('moved', {
    processResponse: (request, response) =>
      response.url.endsWith('/old')
        ? new Request({ url: `${server.origin}/new`, meta: request.meta })
        : response,
  });
  const { items, result } = await crawl(spiderClass(['/old'], { moved }), [enable({ moved: 700 })]);
  expect(server.received.map((r) => r.url)).toEqual(['/old', '/new']);
  expect(items).toEqual([{ url: `${server.origin}/new`, body: '/new' }]);
  expect(result.stats['downloader/request_count']).toBe(2);
});

test('processException runs highest order first and may answer with a Response', async () => {
  const port = await closedPort();
  const fallback = recorder('fallback', {
    processException: (request) =>
      new Response({ url: request.url, status: 200, headers: {}, body: Buffer.from('fallback'), request }),
  });
  const spider = spiderClass(['/down'], { first: recorder('first'), fallback }, `http://127.0.0.1:${port}`);
  const { items, result } = await crawl(spider, [enable({ first: 100, fallback: 700 })]);
  // `first` (100) never sees the error: `fallback` (700) answered it, and its answer went back up the chain.
  expect(calls).toEqual([
    'first.request',
    'fallback.request',
    'fallback.exception',
    'fallback.response',
    'first.response',
  ]);
  expect(items).toEqual([{ url: `http://127.0.0.1:${port}/down`, body: 'fallback' }]);
  expect(result.stats['retry/count']).toBeUndefined();
  expect(result.stats['downloader/exception_type_count/ECONNREFUSED']).toBe(1);
});

test('null turns a built-in off: without default-headers no User-Agent; DEFAULT_REQUEST_HEADERS adds headers', async () => {
  await crawl(spiderClass(['/a'], {}), ['DOWNLOADER_MIDDLEWARES.default-headers=null']);
  expect(server.received[0].headers['user-agent']).toBeUndefined();
  server.received.splice(0);
  await crawl(spiderClass(['/b'], {}), ['DEFAULT_REQUEST_HEADERS={"Accept":"application/json"}']);
  expect(server.received[0].headers).toMatchObject({
    accept: 'application/json',
    'user-agent': expect.stringContaining('coingecko-crawler/'),
  });
});

test('the HTTP cache keeps neither a 429 nor an ignored status, and answers the rest from disk', async () => {
  const dir = tempDir();
  const cache = ['HTTPCACHE_ENABLED=true', `HTTPCACHE_DIR=${dir}`, 'HTTPCACHE_IGNORE_HTTP_CODES=404'];
  limitedSeen = 0;
  const first = await crawl(spiderClass(['/limited', '/missing', '/kept'], {}), cache);
  expect(first.items.map((item) => item.body).sort()).toEqual(['/kept', '/limited']);
  expect(first.result.stats['ratelimit/429_count']).toBe(1);
  expect(first.result.stats['httpcache/store']).toBe(2);
  expect(readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.json'))).toHaveLength(
    2,
  );

  server.received.splice(0);
  const second = await crawl(spiderClass(['/limited', '/missing', '/kept'], {}), cache);
  expect(server.received.map((r) => r.url)).toEqual(['/missing']);
  expect(second.result.stats['httpcache/hit']).toBe(2);
  expect(second.items.map((item) => item.body).sort()).toEqual(['/kept', '/limited']);
});

test('the HTTP cache drops an answer the callback turned away: the next run asks again', async () => {
  const dir = tempDir();
  const settings = ['HTTPCACHE_ENABLED=true', `HTTPCACHE_DIR=${dir}`, 'RETRY_TIMES=1'];
  const first = await crawl(spiderClass(['/turned-away', '/kept'], {}), settings);
  expect(first.items.map((item) => item.body)).toEqual(['/kept']);
  expect(server.received.filter((r) => r.url === '/turned-away')).toHaveLength(2);
  expect(readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.json'))).toHaveLength(
    1,
  );

  server.received.splice(0);
  await crawl(spiderClass(['/turned-away', '/kept'], {}), settings);
  expect(server.received.map((r) => r.url)).toEqual(['/turned-away', '/turned-away']);
});

test('CONCURRENT_REQUESTS_PER_DOMAIN caps the downloads in flight to one host', async () => {
  const paths = Array.from({ length: 8 }, (_, i) => `/slow/${i}`);
  await crawl(spiderClass(paths, {}), ['CONCURRENT_REQUESTS=4', 'CONCURRENT_REQUESTS_PER_DOMAIN=1']);
  expect(server.received).toHaveLength(8);
  expect(mostInFlight).toBe(1);
  mostInFlight = 0;
  await crawl(spiderClass(paths, {}), ['CONCURRENT_REQUESTS=4']);
  expect(mostInFlight).toBeGreaterThan(1);
});

test('RANDOMIZE_DOWNLOAD_DELAY spaces requests 0.5x to 1.5x DOWNLOAD_DELAY, drawn per request', async () => {
  const spacing = async (randomizeDelay: boolean, random: number) => {
    const host = new HostThrottle({
      rateLimitPerMinute: 0,
      minDelayMs: 1000,
      randomizeDelay,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      random: () => random,
    });
    await host.acquire();
    return host.spacingMs();
  };
  expect(await spacing(true, 0)).toBe(500);
  expect(await spacing(true, 1)).toBe(1500);
  expect(await spacing(false, 0)).toBe(1000);
});

test('DOWNLOAD_HANDLER=got-scraping crawls through the same chain', async () => {
  const { items, result } = await crawl(spiderClass(['/one', '/two'], { low: recorder('low') }), [
    'DOWNLOAD_HANDLER=got-scraping',
    enable({ low: 100 }),
  ]);
  expect(items.map((item) => item.body).sort()).toEqual(['/one', '/two']);
  expect(calls.filter((call) => call === 'low.response')).toHaveLength(2);
  expect(server.received.map((r) => r.headers['user-agent'])).toEqual([
    expect.stringContaining('coingecko-crawler/'),
    expect.stringContaining('coingecko-crawler/'),
  ]);
  expect(result.stats['downloader/response_status_count/200']).toBe(2);
});
