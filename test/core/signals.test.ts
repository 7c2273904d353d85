/**
 * Signals and extensions through the engine: a spider written here crawls a real local server, with
 * extensions (written here, as a user writes one) installed from EXTENSIONS the way the crawler
 * installs them. What each signal carries, in what order; a handler that throws or rejects is logged
 * with its extension's name and the crawl goes on; null disables an extension; no handler, no work.
 */
import { middlewareRegistry } from '../../src/crawler/open-crawl';
import { Writable } from 'node:stream';
import winston from 'winston';
import { Engine } from '../../src/core/engine';
import { DropItem } from '../../src/core/errors';
import { Extension, ExtensionFactory, installExtensions } from '../../src/core/extension';
import { defineItemType } from '../../src/core/item';
import { ItemPipeline, PipelineChain } from '../../src/core/pipeline';
import { Request } from '../../src/core/request';
import type { Response } from '../../src/core/response';
import { resolveSettings } from '../../src/core/settings-loader';
import { SignalPayloads, Signals } from '../../src/core/signals';
import { Spider } from '../../src/core/spider';
import { StatsCollector } from '../../src/core/stats';
import { Throttle } from '../../src/core/throttle';
import { startServer, TestServer } from '../helpers/http-servers';
import { NOTHING_STORED } from '../helpers/spiders';
import { EXTENSIONS } from '../../src/extensions';

interface Page {
  path: string;
}
const PageItem = defineItemType<Page>({ name: 'page', key: (page) => String(page.path) });

let server: TestServer;
beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.url === '/missing') response.writeHead(404).end('{}');
    else response.end(JSON.stringify({ path: request.url }));
  });
});
afterAll(() => server.close());
beforeEach(() => server.received.splice(0));
const url = (path: string) => `${server.origin}${path}`;

/** Two start pages; each yields its item, and /a links to /c, to itself (a duplicate) and to /missing. */
class LinksSpider extends Spider {
  static readonly spiderName = 'links';
  static readonly description = 'test';
  static readonly itemTypes = [PageItem];
  startRequests() {
    return [new Request({ url: url('/a') }), new Request({ url: url('/b') })];
  }
  *parse(response: Response) {
    const { path } = response.json<{ path: string }>();
    yield { path };
    if (path === '/a') {
      yield response.follow('/c');
      yield response.follow('/a');
      yield response.follow('/missing');
    }
  }
}

/** Drops /b as a duplicate would be, fails on /c as a broken pipeline does. */
const picky = (): ItemPipeline<Page> => ({
  process(item) {
    if (item.path === '/b') throw new DropItem('b is not wanted');
    if (item.path === '/c') throw new Error('disk full');
    return item;
  },
});

/** Records every signal with the fields that tell it apart. */
function recorder(events: string[]): Extension {
  const on =
    <N extends keyof SignalPayloads>(name: N, show: (payload: SignalPayloads[N]) => string) =>
    (payload: SignalPayloads[N]) => {
      events.push(`${name} ${show(payload)}`);
    };
  return {
    spiderOpened: on('spiderOpened', (p) => `${p.spider.name} ${p.requestCount}`),
    requestScheduled: on('requestScheduled', (p) => `${new URL(p.request.url).pathname} ${p.from}`),
    requestDropped: on('requestDropped', (p) => `${new URL(p.request.url).pathname} ${p.reason}`),
    responseReceived: on('responseReceived', (p) => `${new URL(p.request.url).pathname} ${p.status}`),
    itemScraped: on('itemScraped', (p) => `${(p.item as Page).path} ${p.type.name}`),
    itemDropped: on('itemDropped', (p) => `${(p.item as Page).path} ${p.pipeline}: ${p.reason}`),
    itemError: on('itemError', (p) => `${(p.item as Page).path} ${p.error.message}`),
    requestFinished: on('requestFinished', (p) => `${new URL(p.request.url).pathname} ${p.status}`),
    requestFailed: on('requestFailed', (p) => `${new URL(p.request.url).pathname} ${p.reason}`),
    spiderClosed: on('spiderClosed', (p) => p.reason),
    engineStopped: on('engineStopped', (p) => p.reason),
  };
}

/** Runs LinksSpider with these extensions and EXTENSIONS setting; returns the log lines and the result. */
async function crawl(
  registry: Record<string, ExtensionFactory>,
  extensions: Record<string, number | null>,
  spiderClass: typeof LinksSpider = LinksSpider,
) {
  const settings = resolveSettings({
    overrides: [
      'ITEM_PIPELINES_BASE={}',
      'ITEM_PIPELINES={"picky":1}',
      'EXTENSIONS_BASE={}',
      `EXTENSIONS=${JSON.stringify(extensions)}`,
      'CONCURRENT_REQUESTS=1',
    ],
  });
  const lines: string[] = [];
  const logger = winston.createLogger({
    level: 'debug',
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(chunk.toString().trim());
            done();
          },
        }),
        format: winston.format.printf(({ level, message }) => `${level}: ${String(message)}`),
      }),
    ],
  });
  const stats = new StatsCollector();
  const signals = new Signals(logger);
  const throttle = new Throttle(settings, 0);
  const pipelines = PipelineChain.fromSettings({ picky }, settings, {});
  const downloaderMiddlewares = middlewareRegistry(spiderClass);
  const engine = new Engine({ settings, logger, pipelines, stats, throttle, signals, downloaderMiddlewares });
  const context = { settings, stats, logger, throttle, closeSpider: (reason: string) => engine.stop(reason) };
  const installed = installExtensions(registry, context, {}, signals);
  const spider = new spiderClass({ args: {}, settings, stored: NOTHING_STORED });
  const result = await engine.run({ spider, itemTypes: spiderClass.itemTypes, rateLimitPerMinute: 0 });
  return { lines, result, installed };
}

test('each signal carries what happened, in the order it happened', async () => {
  const events: string[] = [];
  const { result } = await crawl({ recorder: () => recorder(events) }, { recorder: 1 });
  expect(events).toEqual([
    'requestScheduled /a start',
    'requestScheduled /b start',
    'spiderOpened links 2',
    'responseReceived /a 200',
    'itemScraped /a page',
    'requestScheduled /c callback',
    'requestDropped /a duplicate',
    'requestScheduled /missing callback',
    'requestFinished /a 200',
    'responseReceived /b 200',
    'itemDropped /b picky: b is not wanted',
    'requestFinished /b 200',
    'responseReceived /c 200',
    'itemError /c disk full',
    'requestFailed /c disk full',
    'requestFailed /missing HTTP 404',
    'spiderClosed finished',
    'engineStopped finished',
  ]);
  expect(result.stats['finish_reason']).toBe('finished');
});

test('a handler that throws or rejects is logged with its extension name; the others and the crawl go on', async () => {
  const scraped: string[] = [];
  let closedAfterTheFailure = false;
  const { lines, result } = await crawl(
    {
      broken: () => ({
        itemScraped() {
          throw new Error('no such table');
        },
        async spiderClosed() {
          await new Promise((resolve) => setTimeout(resolve, 10));
          throw new Error('webhook down');
        },
      }),
      counter: () => ({
        itemScraped: ({ item }) => void scraped.push((item as Page).path),
        spiderClosed: () => void (closedAfterTheFailure = true),
      }),
    },
    { broken: 1, counter: 2 },
  );
  expect(lines).toContain('error: extension broken failed on itemScraped: no such table');
  expect(lines).toContain('error: extension broken failed on spiderClosed: webhook down');
  expect(scraped).toEqual(['/a']);
  expect(closedAfterTheFailure).toBe(true);
  expect(result.stats['item_scraped_count']).toBe(1);
  expect(result.stats['finish_reason']).toBe('finished');
  expect(server.received.map((r) => r.url).sort()).toEqual(['/a', '/b', '/c', '/missing']);
});

test('after a crash, spiderClosed still comes, with finish_reason error in the stats', async () => {
  class BrokenSpider extends LinksSpider {
    override startRequests(): Request[] {
      throw new Error('no start requests today');
    }
  }
  let seen: unknown;
  const closing = (context: { stats: StatsCollector }): Extension => ({
    spiderClosed: ({ reason }) => void (seen = [reason, context.stats.get('finish_reason')]),
  });
  await expect(crawl({ closing }, { closing: 1 }, BrokenSpider)).rejects.toThrow('no start requests today');
  expect(seen).toEqual(['error', 'error']);
});

test('null disables an extension; a factory that returns null is not configured; handlers run in EXTENSIONS order', async () => {
  const order: string[] = [];
  const { installed } = await crawl(
    {
      first: () => ({ spiderClosed: () => void order.push('first') }),
      second: () => ({ spiderClosed: () => void order.push('second') }),
      off: () => ({ spiderClosed: () => void order.push('off') }),
      unconfigured: () => null,
    },
    { second: 20, first: 10, off: null, unconfigured: 5 },
  );
  expect(installed).toEqual(['first', 'second']);
  expect(order).toEqual(['first', 'second']);
});

test('an unknown extension name is a usage error naming the known ones', () => {
  const settings = resolveSettings({ overrides: ['EXTENSIONS_BASE={}', 'EXTENSIONS={"nope":1}'] });
  const logger = winston.createLogger({ silent: true });
  const throttle = new Throttle(settings, 0);
  const context = { settings, stats: new StatsCollector(), logger, throttle, closeSpider: () => {} };
  expect(() => installExtensions({ known: () => ({}) }, context, {}, new Signals(logger))).toThrow(
    'EXTENSIONS: unknown extension "nope" (known: known)',
  );
});

test('emitting costs nothing without a handler, and returns no promise while every handler is sync', async () => {
  const signals = new Signals(winston.createLogger({ silent: true }));
  const payload = { reason: 'finished' };
  expect(signals.listening('engineStopped')).toBe(false);
  expect(signals.emit('engineStopped', payload)).toBeUndefined();
  const seen: string[] = [];
  signals.connect('engineStopped', ({ reason }) => void seen.push(`sync ${reason}`), 'a');
  expect(signals.emit('engineStopped', payload)).toBeUndefined();
  signals.connect('engineStopped', async ({ reason }) => void seen.push(`async ${reason}`), 'b');
  const pending = signals.emit('engineStopped', payload);
  expect(pending).toBeInstanceOf(Promise);
  await pending;
  expect(seen).toEqual(['sync finished', 'sync finished', 'async finished']);
});

test('the autothrottle extension paces each host from AUTOTHROTTLE_START_DELAY only when AUTOTHROTTLE_ENABLED', () => {
  const spacing = (enabled: boolean) => {
    const settings = resolveSettings({
      overrides: [`AUTOTHROTTLE_ENABLED=${enabled}`, 'AUTOTHROTTLE_START_DELAY=2.5'],
    });
    const logger = winston.createLogger({ silent: true });
    const throttle = new Throttle(settings, 0);
    const context = { settings, stats: new StatsCollector(), logger, throttle, closeSpider: () => {} };
    const installed = installExtensions(EXTENSIONS, context, { statsLevel: 'info' }, new Signals(logger));
    return { installed, spacingMs: throttle.forHost('api.example.com').spacingMs() };
  };
  expect(spacing(true)).toEqual({ installed: expect.arrayContaining(['autothrottle']), spacingMs: 2500 });
  const off = spacing(false);
  expect(off.installed).not.toContain('autothrottle');
  expect(off.spacingMs).toBe(0);
});
