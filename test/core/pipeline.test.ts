import winston from 'winston';
import { DropItem, UsageError } from '../../src/core/errors';
import { defineItemType } from '../../src/core/item';
import { ItemPipeline, PipelineChain, PipelineContext } from '../../src/core/pipeline';
import { resolveSettings } from '../../src/core/settings-loader';
import { StatsCollector } from '../../src/core/stats';

type Item = { value: number; trail: string[] };
const ItemT = defineItemType<Item>({ name: 'item', key: (item) => String(item.value) });
const Other = defineItemType<{ other: true }>({ name: 'other' });

/** A pipeline that writes its name into the item's trail, and drops odd values when asked to. */
function recording(name: string, events: string[], options: { dropOdd?: boolean; failClose?: boolean } = {}) {
  return (): ItemPipeline<Item> => ({
    open: () => void events.push(`open ${name}`),
    process: (item) => {
      if (options.dropOdd && item.value % 2 === 1) throw new DropItem(`odd ${item.value}`);
      return { ...item, trail: [...item.trail, name] };
    },
    close: () => {
      events.push(`close ${name}`);
      if (options.failClose) throw new Error(`${name} could not close`);
    },
  });
}

/** Settings with just these pipelines (no built-ins). */
function only(pipelines: string) {
  return resolveSettings({ overrides: ['ITEM_PIPELINES_BASE={}', `ITEM_PIPELINES=${pipelines}`] });
}

function context(stats = new StatsCollector()): PipelineContext {
  const logger = winston.createLogger({ silent: true });
  return { spiderName: 'test', settings: resolveSettings(), stats, logger };
}

describe('PipelineChain', () => {
  it('runs enabled pipelines in ITEM_PIPELINES order and skips disabled ones', async () => {
    const events: string[] = [];
    const registry = { a: recording('a', events), b: recording('b', events), c: recording('c', events) };
    const settings = only('{"a":300,"b":100,"c":null}');
    const chain = PipelineChain.fromSettings(registry, settings, {});
    expect(chain.names).toEqual(['b', 'a']);

    const ctx = context();
    await chain.open(ctx);
    const result = await chain.process({ value: 2, trail: [] }, ItemT, ctx);
    await chain.close(ctx);
    expect(result).toEqual({ dropped: false, item: { value: 2, trail: ['b', 'a'] } });
    expect(events).toEqual(['open b', 'open a', 'close b', 'close a']);
    expect(ctx.stats.count('item_scraped_count')).toBe(1);
  });

  it('stops an item at the pipeline that drops it and counts the drop against that pipeline', async () => {
    const events: string[] = [];
    const later = jest.fn((item: Item) => item);
    const registry = {
      filter: recording('filter', events, { dropOdd: true }),
      after: () => ({ process: later }),
    };
    const chain = PipelineChain.fromSettings(registry, only('{"filter":1,"after":2}'), {});
    const ctx = context();
    const results = [];
    for (const value of [1, 2, 3]) results.push(await chain.process({ value, trail: [] }, ItemT, ctx));

    expect(results.map((r) => r.dropped)).toEqual([true, false, true]);
    expect(results[0]).toEqual({ dropped: true, pipeline: 'filter', reason: 'odd 1', invalid: false });
    expect(later).toHaveBeenCalledTimes(1);
    expect(ctx.stats.count('item_dropped_count')).toBe(2);
    expect(ctx.stats.count('item_dropped_reasons_count/filter')).toBe(2);
    expect(ctx.stats.count('item_scraped_count')).toBe(1);
  });

  it('passes items of a type a pipeline does not handle by it, untouched', async () => {
    const seen: string[] = [];
    const registry = {
      items: (): ItemPipeline<Item> => ({ handles: [ItemT], process: (item) => (seen.push('items'), item) }),
      all: (): ItemPipeline => ({ process: (item) => (seen.push('all'), item) }),
    };
    const chain = PipelineChain.fromSettings(registry, only('{"items":1,"all":2}'), {});
    const other = { other: true as const };
    expect(await chain.process(other, Other, context())).toEqual({ dropped: false, item: other });
    expect(seen).toEqual(['all']);
  });

  it('counts an invalid-data drop apart from an expected one', async () => {
    const registry = {
      check: (): ItemPipeline<Item> => ({
        process: (item) => {
          if (item.value < 0) throw new DropItem('negative', { invalid: true });
          return item;
        },
      }),
    };
    const chain = PipelineChain.fromSettings(registry, only('{"check":1}'), {});
    expect(await chain.process({ value: -1, trail: [] }, ItemT, context())).toEqual({
      dropped: true,
      pipeline: 'check',
      reason: 'negative',
      invalid: true,
    });
  });

  it('answers "stored?" with the keys every store of the type has', async () => {
    const store = (keys: string[]) => (): ItemPipeline<Item> => ({
      handles: [ItemT],
      process: (item) => item,
      storedKeys: async () => new Set(keys),
    });
    const chain = PipelineChain.fromSettings(
      { one: store(['1', '2']), two: store(['2', '3']) },
      only('{"one":1,"two":2}'),
      {},
    );
    const probes = [1, 2, 3].map((value) => ({ value }));
    expect(await chain.storedKeys(ItemT, probes)).toEqual(new Set(['2']));
    // No store keeps the other type: nothing is stored.
    expect(await chain.storedKeys(Other, [{ other: true }])).toEqual(new Set());
  });

  it('refuses an unknown pipeline name with the known ones', () => {
    const registry = { a: recording('a', []) };
    expect(() => PipelineChain.fromSettings(registry, only('{"a":1,"zzz":5}'), {})).toThrow(
      new UsageError('ITEM_PIPELINES: unknown pipeline "zzz" (known: a)'),
    );
  });

  it('closes every pipeline even when one fails to close, then reports the failure', async () => {
    const events: string[] = [];
    const registry = { a: recording('a', events, { failClose: true }), b: recording('b', events) };
    const chain = PipelineChain.fromSettings(registry, only('{"a":1,"b":2}'), {});
    await expect(chain.close(context())).rejects.toThrow('a could not close');
    expect(events).toEqual(['close a', 'close b']);
  });
});
