import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DropItem } from '../../src/core/errors';
import { defineItemType } from '../../src/core/item';
import { CoinHistory, CoinHistoryItem } from '../../src/items/coin-history-item';
import { COIN_FILE_SETTINGS } from '../../src/spiders/coin-arguments';
import { DedupePipeline } from '../../src/pipelines/dedupe';
import { dayFileName, JsonFilesPipeline } from '../../src/pipelines/json-files';
import { ValidatePipeline } from '../../src/pipelines/validate';
import { safeFileComponent } from '../../src/util/safe-filename';
import { tempDir } from '../helpers/cli';

function item(overrides: Partial<CoinHistoryItem> = {}): CoinHistoryItem {
  return {
    coin_id: 'bitcoin',
    date: '2021-04-01',
    usd_price: 58817.3738884188,
    usd_market_cap: 1,
    usd_total_volume: 2,
    full_response: { id: 'bitcoin' },
    ...overrides,
  };
}

describe('validate', () => {
  it.each([
    [{ coin_id: '' }, 'no coin id'],
    [{ date: '2021-02-30' }, 'date "2021-02-30" is not YYYY-MM-DD'],
    [{ usd_price: -1 }, 'usd_price is -1'],
    [{ usd_total_volume: Number.NaN }, 'usd_total_volume is null'],
  ])('drops %j', (overrides, reason) => {
    expect(() =>
      new ValidatePipeline().process(item(overrides as Partial<CoinHistoryItem>), CoinHistory),
    ).toThrow(reason);
    try {
      new ValidatePipeline().process(item(overrides as Partial<CoinHistoryItem>), CoinHistory);
    } catch (error) {
      // Invalid data from the source: lost, and the crawl exits 1.
      expect((error as DropItem).invalid).toBe(true);
    }
  });

  it('passes a day without data (null values)', () => {
    const empty = item({ usd_price: null, usd_market_cap: null, usd_total_volume: null });
    expect(new ValidatePipeline().process(empty, CoinHistory)).toBe(empty);
  });

  it("runs any item type's own check, and passes a type without one", () => {
    const Product = defineItemType<{ id: string; price: unknown }>({
      name: 'product',
      key: (p) => String(p.id),
      validate: (p) => (typeof p.price === 'number' ? undefined : 'no price'),
    });
    expect(() => new ValidatePipeline().process({ id: 'p-1', price: 'n/a' }, Product)).toThrow(
      'invalid product p-1: no price',
    );
    const Free = defineItemType<{ anything: number }>({ name: 'free' });
    expect(new ValidatePipeline().process({ anything: 1 }, Free)).toEqual({ anything: 1 });
  });
});

describe('dedupe', () => {
  it('lets the first copy of a coin and day through and drops later ones as not lost', () => {
    const dedupe = new DedupePipeline();
    expect(dedupe.process(item(), CoinHistory)).toEqual(item());
    expect((dedupe.process(item({ date: '2021-04-02' }), CoinHistory) as CoinHistoryItem).date).toBe(
      '2021-04-02',
    );
    try {
      dedupe.process(item(), CoinHistory);
      throw new Error('expected a drop');
    } catch (error) {
      expect(error).toBeInstanceOf(DropItem);
      expect((error as DropItem).message).toBe('duplicate coin_history bitcoin/2021-04-01');
      expect((error as DropItem).invalid).toBe(false);
    }
  });

  it('goes by the key of each item type, and lets items of a type without a key through', () => {
    const dedupe = new DedupePipeline();
    const Keyless = defineItemType<{ n: number }>({ name: 'keyless' });
    expect(dedupe.process({ n: 1 }, Keyless)).toEqual({ n: 1 });
    expect(dedupe.process({ n: 1 }, Keyless)).toEqual({ n: 1 });
  });
});

describe('json-files', () => {
  it("writes the original's file format, whole, with no temporary file left", async () => {
    const dataDir = tempDir();
    const pipeline = coinFiles(dataDir);
    await pipeline.open();
    await pipeline.process(item(), CoinHistory);
    await pipeline.process(item({ date: '2021-04-02', usd_price: null }), CoinHistory);
    expect(readdirSync(join(dataDir, 'raw')).sort()).toEqual([
      'bitcoin_2021-04-01.json',
      'bitcoin_2021-04-02.json',
    ]);
    const saved = JSON.parse(readFileSync(join(dataDir, 'raw', 'bitcoin_2021-04-01.json'), 'utf8'));
    expect(saved).toEqual({
      coin_id: 'bitcoin',
      date: '2021-04-01',
      usd_price: 58817.3738884188,
      full_response: { id: 'bitcoin' },
    });
    expect(Object.keys(saved)).toEqual(['coin_id', 'date', 'usd_price', 'full_response']);
  });

  it('writes any item type to the FILES_STORE template, all fields by default', async () => {
    const dataDir = tempDir();
    const Product = defineItemType<{ id: string; title: string }>({
      name: 'product',
      key: (p) => String(p.id),
    });
    const pipeline = new JsonFilesPipeline({
      dataDir,
      template: 'items/{spider}/{type}-{key}.json',
      fields: [],
      spiderName: 'shop',
    });
    await pipeline.open();
    await pipeline.process({ id: 'a/1', title: 'Lamp' }, Product);
    expect(readdirSync(join(dataDir, 'items', 'shop'))).toEqual(['product-a%2F1.json']);
    expect(JSON.parse(readFileSync(join(dataDir, 'items', 'shop', 'product-a%2F1.json'), 'utf8'))).toEqual({
      id: 'a/1',
      title: 'Lamp',
    });
    expect(pipeline.describeStorage()).toBe(`files in ${join(dataDir, 'items', 'shop')}`);
  });

  it('answers which items are stored: a file with the key and every field, final by its type', async () => {
    const dataDir = tempDir();
    const pipeline = coinFiles(dataDir);
    await pipeline.open();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await pipeline.process(item(), CoinHistory);
    await pipeline.process(item({ date: '2021-04-02', usd_price: null }), CoinHistory);
    await pipeline.process(item({ date: yesterday, usd_price: null }), CoinHistory);
    const probes = ['2021-04-01', '2021-04-02', '2021-04-03', yesterday].map((date) => ({
      coin_id: 'bitcoin',
      date,
    }));
    // 04-03 has no file; yesterday without data may still get its data: not final.
    expect(await pipeline.storedKeys(CoinHistory, probes)).toEqual(
      new Set(['bitcoin/2021-04-01', 'bitcoin/2021-04-02']),
    );
  });

  it('refuses a FILES_STORE that would put every item in one file', () => {
    expect(
      () =>
        new JsonFilesPipeline({
          dataDir: tempDir(),
          template: 'items/{spider}.json',
          fields: [],
          spiderName: 's',
        }),
    ).toThrow("name each item's file with {key} or a field");
  });

  it('refuses a FILES_STORE that leaves DATA_DIR', () => {
    expect(
      () =>
        new JsonFilesPipeline({
          dataDir: tempDir(),
          template: '../x/{key}.json',
          fields: [],
          spiderName: 's',
        }),
    ).toThrow('FILES_STORE "../x/{key}.json": expected a relative path under DATA_DIR');
  });

  it('keeps any id inside the folder and distinct from others', () => {
    expect(dayFileName('../../etc/passwd', '2021-04-01')).toBe(
      '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd_2021-04-01.json',
    );
    expect(safeFileComponent('a/b')).not.toBe(safeFileComponent('a_b'));
    expect(safeFileComponent('a b')).toBe('a%20b');
    expect(safeFileComponent('usd-coin')).toBe('usd-coin');
    expect(safeFileComponent('ü')).toBe('%C3%BC');
  });
});

// The feed pipeline's tests are in feed.test.ts.

/** The json-files pipeline as the coin spiders set it up. */
function coinFiles(dataDir: string): JsonFilesPipeline {
  return new JsonFilesPipeline({
    dataDir,
    template: COIN_FILE_SETTINGS.FILES_STORE,
    fields: COIN_FILE_SETTINGS.FILES_FIELDS,
    spiderName: 'coingecko_history',
  });
}
