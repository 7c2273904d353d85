/**
 * The `feed` pipeline and its formats, on real files: what each format writes, appending and
 * overwriting, several feeds at once, the options of FEEDS and of `-o` / `-O`, and a feed that is
 * whole or absent.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { defineItemType } from '../../src/core/item';
import type { PipelineContext } from '../../src/core/pipeline';
import { resolveSettings } from '../../src/core/settings-loader';
import { StatsCollector } from '../../src/core/stats';
import { configuredFeeds, feedsFromCommandLine } from '../../src/feeds/feed-options';
import type { FeedOptions } from '../../src/settings';
import { CoinHistory, CoinHistoryItem } from '../../src/items/coin-history-item';
import { FeedPipeline } from '../../src/pipelines/feed';
import { tempDir } from '../helpers/cli';

function context(): PipelineContext {
  return {
    spiderName: 'coingecko_history',
    settings: resolveSettings(),
    stats: new StatsCollector(),
    logger: winston.createLogger({ silent: true }),
  };
}

function coin(date: string, price: number | null = 1.5): CoinHistoryItem {
  return {
    coin_id: 'bitcoin',
    date,
    usd_price: price,
    usd_market_cap: 1,
    usd_total_volume: 2,
    full_response: { id: 'bitcoin', name: 'Bit, "coin"' },
  };
}

const Product = defineItemType<{ id: string; title: string }>({ name: 'product', fields: ['id', 'title'] });

/** A feed pipeline for these FEEDS, run over the items as the engine runs it. */
async function runFeeds(
  feeds: Record<string, FeedOptions>,
  items: [object, typeof CoinHistory | typeof Product][],
  ctx = context(),
): Promise<PipelineContext> {
  const pipeline = new FeedPipeline(
    configuredFeeds(resolveSettings({ overrides: [`FEEDS=${JSON.stringify(feeds)}`] })),
    ctx.spiderName,
  );
  await pipeline.open();
  for (const [item, type] of items) await pipeline.process(item, type as never);
  await pipeline.close(ctx);
  return ctx;
}

const read = (path: string) => readFileSync(path, 'utf8');

describe('formats', () => {
  it('jsonl: a line per item; the file appears whole when the feed closes, with no temporary file left', async () => {
    const dir = tempDir();
    const path = join(dir, '%(name)s.jsonl');
    const pipeline = new FeedPipeline(
      configuredFeeds(resolveSettings({ overrides: [`FEED_URI=${path}`] })),
      'coingecko_history',
    );
    await pipeline.open();
    await pipeline.process(coin('2021-04-01'), CoinHistory as never);
    await pipeline.process(coin('2021-04-02'), CoinHistory as never);
    expect(existsSync(join(dir, 'coingecko_history.jsonl'))).toBe(false);
    const ctx = context();
    await pipeline.close(ctx);
    const lines = read(join(dir, 'coingecko_history.jsonl')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([coin('2021-04-01'), coin('2021-04-02')]);
    expect(readdirSync(dir)).toEqual(['coingecko_history.jsonl']);
    expect(ctx.stats.snapshot()).toMatchObject({
      'feedexport/success_count': 1,
      'feedexport/items_count/jsonl': 2,
    });
  });

  it('json: one array, valid JSON, an item per line; an empty crawl is an empty array', async () => {
    const dir = tempDir();
    await runFeeds({ [join(dir, 'a.json')]: {}, [join(dir, 'empty.json')]: {} }, [
      [coin('2021-04-01'), CoinHistory],
      [coin('2021-04-02', null), CoinHistory],
    ]);
    expect(JSON.parse(read(join(dir, 'a.json')))).toEqual([coin('2021-04-01'), coin('2021-04-02', null)]);
    expect(read(join(dir, 'a.json')).split('\n')).toHaveLength(5);
    // Both feeds get every item: "empty" was a second feed of the same items.
    expect(JSON.parse(read(join(dir, 'empty.json')))).toHaveLength(2);
    const none = join(tempDir(), 'none.json');
    await runFeeds({ [none]: {} }, []);
    expect(JSON.parse(read(none))).toEqual([]);
  });

  it("csv: a header of the type's fields, quoted values, nested values as JSON, null as an empty cell", async () => {
    const path = join(tempDir(), 'items.csv');
    await runFeeds({ [path]: {} }, [
      [coin('2021-04-01'), CoinHistory],
      [coin('2021-04-02', null), CoinHistory],
    ]);
    expect(read(path)).toBe(
      'coin_id,date,usd_price,usd_market_cap,usd_total_volume,full_response\n' +
        'bitcoin,2021-04-01,1.5,1,2,"{""id"":""bitcoin"",""name"":""Bit, \\""coin\\""""}"\n' +
        'bitcoin,2021-04-02,,1,2,"{""id"":""bitcoin"",""name"":""Bit, \\""coin\\""""}"\n',
    );
  });

  it('fields: only those, in that order, in every format; a missing one is null (an empty cell)', async () => {
    const dir = tempDir();
    const fields = ['date', 'usd_price', 'nope'];
    await runFeeds(
      {
        [join(dir, 'f.csv')]: { fields },
        [join(dir, 'f.json')]: { fields },
        [join(dir, 'f.jsonl')]: { fields },
      },
      [[coin('2021-04-01'), CoinHistory]],
    );
    expect(read(join(dir, 'f.csv'))).toBe('date,usd_price,nope\n2021-04-01,1.5,\n');
    expect(JSON.parse(read(join(dir, 'f.json')))).toEqual([
      { date: '2021-04-01', usd_price: 1.5, nope: null },
    ]);
    expect(read(join(dir, 'f.jsonl'))).toBe('{"date":"2021-04-01","usd_price":1.5,"nope":null}\n');
  });

  it('item_types: a feed of one item type; the encoding option', async () => {
    const dir = tempDir();
    await runFeeds(
      {
        [join(dir, 'products.csv')]: { item_types: ['product'], encoding: 'latin1' },
        [join(dir, 'all.jsonl')]: {},
      },
      [
        [{ id: 'p-1', title: 'Crème' }, Product],
        [coin('2021-04-01'), CoinHistory],
      ],
    );
    expect(readFileSync(join(dir, 'products.csv'), 'latin1')).toBe('id,title\np-1,Crème\n');
    expect(readFileSync(join(dir, 'products.csv')).includes(Buffer.from('Cr\xe8me', 'latin1'))).toBe(true);
    expect(read(join(dir, 'all.jsonl')).trim().split('\n')).toHaveLength(2);
  });
});

describe('append (-o) and overwrite (-O)', () => {
  it('appends: more lines, the same CSV header once, the same JSON array going on', async () => {
    const dir = tempDir();
    const feeds = { [join(dir, 'a.csv')]: {}, [join(dir, 'a.json')]: {}, [join(dir, 'a.jsonl')]: {} };
    await runFeeds(feeds, [[coin('2021-04-01'), CoinHistory]]);
    const ctx = await runFeeds(feeds, [[coin('2021-04-02'), CoinHistory]]);
    expect(
      read(join(dir, 'a.csv'))
        .split('\n')
        .filter((line) => line.startsWith('coin_id')),
    ).toHaveLength(1);
    expect(read(join(dir, 'a.csv')).trim().split('\n')).toHaveLength(3);
    expect(JSON.parse(read(join(dir, 'a.json'))).map((i: CoinHistoryItem) => i.date)).toEqual([
      '2021-04-01',
      '2021-04-02',
    ]);
    expect(read(join(dir, 'a.jsonl')).trim().split('\n')).toHaveLength(2);
    expect(ctx.stats.snapshot()['feedexport/success_count']).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['a.csv', 'a.json', 'a.jsonl']);
  });

  it('appends to an empty JSON array, and after a CSV header of other columns, in its columns', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'e.json'), '[]\n');
    writeFileSync(join(dir, 'c.csv'), 'date,"usd_price"\n2020-01-01,7\n');
    await runFeeds({ [join(dir, 'e.json')]: {}, [join(dir, 'c.csv')]: {} }, [
      [coin('2021-04-01'), CoinHistory],
    ]);
    expect(JSON.parse(read(join(dir, 'e.json')))).toEqual([coin('2021-04-01')]);
    expect(read(join(dir, 'c.csv'))).toBe('date,"usd_price"\n2020-01-01,7\n2021-04-01,1.5\n');
  });

  it('overwrite replaces the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), '[{"old":1}]');
    writeFileSync(join(dir, 'a.csv'), 'old\n1\n');
    await runFeeds(
      { [join(dir, 'a.json')]: { overwrite: true }, [join(dir, 'a.csv')]: { overwrite: true } },
      [[coin('2021-04-01'), CoinHistory]],
    );
    expect(JSON.parse(read(join(dir, 'a.json')))).toEqual([coin('2021-04-01')]);
    expect(read(join(dir, 'a.csv')).split('\n')[0]).toBe(
      'coin_id,date,usd_price,usd_market_cap,usd_total_volume,full_response',
    );
  });

  it('refuses to append to a file that is not a JSON array, before writing anything, and leaves it as it was', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{"not": "an array"}');
    const pipeline = new FeedPipeline(
      configuredFeeds(
        resolveSettings({
          overrides: [`FEEDS=${JSON.stringify({ [join(dir, 'ok.csv')]: {}, [join(dir, 'bad.json')]: {} })}`],
        }),
      ),
      'x',
    );
    await expect(pipeline.open()).rejects.toThrow(
      `feed ${join(dir, 'bad.json')}: cannot append, the file is not a JSON array (-O, or "overwrite": true, replaces it)`,
    );
    expect(read(join(dir, 'bad.json'))).toBe('{"not": "an array"}');
    expect(readdirSync(dir)).toEqual(['bad.json']);
  });
});

describe('feed options', () => {
  it('-o and -O: the format from the extension or after a colon', () => {
    expect(
      feedsFromCommandLine(['a.csv', 'b.out:jsonl', 'c.json:jsonlines', 'file:///tmp/d.jsonl'], ['e.json']),
    ).toEqual({
      'a.csv': { format: 'csv', overwrite: false },
      'b.out': { format: 'jsonl', overwrite: false },
      'c.json': { format: 'jsonl', overwrite: false },
      'file:///tmp/d.jsonl': { format: 'jsonl', overwrite: false },
      'e.json': { format: 'json', overwrite: true },
    });
    expect(() => feedsFromCommandLine(['items.txt'], [])).toThrow(
      '-o "items.txt": unknown feed format "txt"; use jsonl, json, csv as the extension or after a colon (FILE:FORMAT)',
    );
    expect(() => feedsFromCommandLine([], ['items'])).toThrow('-O "items": no feed format');
  });

  it('FEEDS and FEED_URI together; each entry checked with a message naming it', () => {
    const feeds = (value: unknown, extra: string[] = []) =>
      configuredFeeds(resolveSettings({ overrides: [`FEEDS=${JSON.stringify(value)}`, ...extra] }));
    expect(feeds({ 'a.csv': { fields: ['x'] } }, ['FEED_URI=b.jsonl', 'FEED_OVERWRITE=true'])).toEqual([
      {
        uri: 'a.csv',
        format: 'csv',
        fields: ['x'],
        overwrite: false,
        encoding: 'utf8',
        itemTypes: undefined,
      },
      {
        uri: 'b.jsonl',
        format: 'jsonl',
        fields: undefined,
        overwrite: true,
        encoding: 'utf8',
        itemTypes: undefined,
      },
    ]);
    expect(() => feeds({ 'a.xml': {} })).toThrow('FEEDS "a.xml": unknown feed format "xml"');
    expect(() => feeds({ 'a.csv': { format: 'parquet' } })).toThrow(
      'FEEDS "a.csv": unknown feed format "parquet"',
    );
    expect(() => feeds({ 'a.csv': { colums: ['x'] } })).toThrow('FEEDS "a.csv": unknown option "colums"');
    expect(() => feeds({ 'a.csv': { encoding: 'klingon' } })).toThrow(
      'FEEDS "a.csv": unknown encoding "klingon"',
    );
    expect(() => feeds({ 'a.csv': { fields: 'x' } })).toThrow(
      'FEEDS "a.csv": "fields" must be a non-empty list',
    );
    expect(() => feeds({ 's3://bucket/a.csv': {} })).toThrow('only local files are supported');
    expect(() => feeds({ 'a.csv': 'csv' })).toThrow('invalid value');
    expect(() => resolveSettings({ overrides: ['FEEDS=[1]'] })).toThrow('expected a JSON object');
  });

  it('--set FEEDS.FILE={...} adds one feed', () => {
    const settings = resolveSettings({ overrides: ['FEEDS.out/items.csv={"fields":["date"]}'] });
    expect(configuredFeeds(settings).map((feed) => [feed.uri, feed.format, feed.fields])).toEqual([
      ['out/items.csv', 'csv', ['date']],
    ]);
  });
});
