import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { DropItem } from '../../src/core/errors';
import type { PipelineContext } from '../../src/core/pipeline';
import { resolveSettings } from '../../src/core/settings-loader';
import { StatsCollector } from '../../src/core/stats';
import type { CoinHistoryItem } from '../../src/items/coin-history-item';
import { DedupePipeline } from '../../src/pipelines/dedupe';
import { FeedPipeline } from '../../src/pipelines/feed';
import { dayFileName, JsonFilesPipeline } from '../../src/pipelines/json-files';
import { ValidatePipeline } from '../../src/pipelines/validate';
import { safeFileComponent } from '../../src/util/safe-filename';
import { tempDir } from '../helpers/cli';

const context: PipelineContext = {
  spiderName: 'coingecko_history',
  settings: resolveSettings(),
  stats: new StatsCollector(),
  logger: winston.createLogger({ silent: true }),
};

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
    expect(() => new ValidatePipeline().process(item(overrides as Partial<CoinHistoryItem>))).toThrow(reason);
  });

  it('passes a day without data (null values)', () => {
    const empty = item({ usd_price: null, usd_market_cap: null, usd_total_volume: null });
    expect(new ValidatePipeline().process(empty)).toBe(empty);
  });
});

describe('dedupe', () => {
  it('lets the first copy of a coin and day through and drops later ones as not lost', () => {
    const dedupe = new DedupePipeline();
    expect(dedupe.process(item())).toEqual(item());
    expect(dedupe.process(item({ date: '2021-04-02' })).date).toBe('2021-04-02');
    try {
      dedupe.process(item());
      throw new Error('expected a drop');
    } catch (error) {
      expect(error).toBeInstanceOf(DropItem);
      expect((error as DropItem).lost).toBe(false);
    }
  });
});

describe('json-files', () => {
  it("writes the original's file format, whole, with no temporary file left", async () => {
    const dataDir = tempDir();
    const pipeline = new JsonFilesPipeline(dataDir);
    await pipeline.open();
    await pipeline.process(item());
    await pipeline.process(item({ date: '2021-04-02', usd_price: null }));
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

describe('feed', () => {
  it('writes one JSON line per item and appears only when closed', async () => {
    const dir = tempDir();
    const feed = new FeedPipeline(join(dir, '%(name)s.jsonl'), false);
    await feed.open(context);
    await feed.process(item());
    await feed.process(item({ date: '2021-04-02' }));
    expect(existsSync(join(dir, 'coingecko_history.jsonl'))).toBe(false);
    await feed.close(context);
    const lines = readFileSync(join(dir, 'coingecko_history.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).date)).toEqual(['2021-04-01', '2021-04-02']);
    expect(readdirSync(dir)).toEqual(['coingecko_history.jsonl']);
  });

  it('refuses to overwrite an existing feed unless FEED_OVERWRITE is set', async () => {
    const dir = tempDir();
    const first = new FeedPipeline(join(dir, 'items.jsonl'), false);
    await first.open(context);
    await first.close(context);
    await expect(new FeedPipeline(join(dir, 'items.jsonl'), false).open(context)).rejects.toThrow(
      'FEED_OVERWRITE',
    );
    const again = new FeedPipeline(join(dir, 'items.jsonl'), true);
    await again.open(context);
    await again.close(context);
  });
});
