/**
 * What a spider gives back, read the same way for `startRequests()` and every callback: the
 * callback a request names, found on the spider; whatever shape the output takes (an array, a
 * generator, an async generator, a promise of one of these, nothing), collected; and each value
 * sorted into a request or an item of one of the spider's item types. Anything else is a
 * SpiderOutputError naming the spider and the callback: a bug in the spider, not data.
 */
import { isPlainObject, ItemType, markedItemType } from './item';
import { Request } from './request';
import type { Callback, Spider, SpiderOutput } from './spider';

export class SpiderOutputError extends Error {
  override name = 'SpiderOutputError';
}

/** An item with its type, or a request. */
export type OutputValue = { request: Request } | { item: object; type: ItemType };

/** The callback `name` (default `parse`): a router label, else a method of the spider. */
export function findCallback(spider: Spider<object, object>, name = 'parse'): Callback {
  const routed = spider.router?.get(name);
  if (routed) return routed.bind(spider);
  const method = (spider as unknown as Record<string, unknown>)[name];
  if (typeof method === 'function' && name !== 'constructor' && name !== 'startRequests')
    return (method as Callback).bind(spider);
  const labels = spider.router?.labels ?? [];
  const known = labels.length ? ` (router labels: ${labels.join(', ')})` : '';
  throw new SpiderOutputError(
    `spider ${spider.name}: no callback "${name}": not a router label nor a method${known}`,
  );
}

/**
 * Every value of a spider's output, in order; awaits a promise and drains (async) iterables. `where`
 * (`spider NAME, callback NAME`) names the culprit when the output is not a collection of values.
 */
export async function collectOutput(output: SpiderOutput, where: string): Promise<unknown[]> {
  const values = await resolveOutput(output, where);
  if (Array.isArray(values)) return values;
  if (Symbol.asyncIterator in values) {
    const collected: unknown[] = [];
    for await (const value of values) collected.push(value);
    return collected;
  }
  return [...values];
}

/**
 * The values of a spider's output one at a time, read only as far as they are asked for: how the
 * start requests are read, so a crawl of a million days holds a window of them, not all.
 */
export async function* streamOutput(output: SpiderOutput, where: string): AsyncGenerator<unknown> {
  yield* await resolveOutput(output, where);
}

/** The output as something to iterate (an empty array for nothing), or a SpiderOutputError. */
async function resolveOutput(
  output: SpiderOutput,
  where: string,
): Promise<Iterable<unknown> | AsyncIterable<unknown>> {
  const resolved: unknown = await output;
  if (resolved === undefined || resolved === null) return [];
  // A string is iterable, but as characters: a callback that returns one made a mistake.
  if (typeof resolved === 'object' && (Symbol.asyncIterator in resolved || Symbol.iterator in resolved))
    return resolved as Iterable<unknown> | AsyncIterable<unknown>;
  throw new SpiderOutputError(
    `${where}: returned ${describe(resolved)}; return or yield items and requests (an array or a generator)`,
  );
}

/**
 * Sorts the values of one callback into requests and typed items. Throws a SpiderOutputError for a
 * value that is neither, for an item whose type the spider can't tell, or for a request whose callback
 * the spider doesn't have (caught here, before it is queued, not when its answer comes).
 */
export function classifyOutput(
  spider: Spider<object, object>,
  itemTypes: readonly ItemType[],
  callbackName: string,
  values: readonly unknown[],
): OutputValue[] {
  const where = `spider ${spider.name}, callback ${callbackName}`;
  return values.map((value): OutputValue => {
    if (value instanceof Request) {
      findCallback(spider, value.callback);
      return { request: value };
    }
    if (!isPlainObject(value))
      throw new SpiderOutputError(
        `${where}: yielded ${describe(value)}; yield items (plain objects) or requests (new Request(...), response.follow(...))`,
      );
    const marked = markedItemType(value);
    if (marked && !itemTypes.includes(marked))
      throw new SpiderOutputError(
        `${where}: yielded a ${marked.name} item, which the spider's itemTypes don't list`,
      );
    const type = marked ?? (itemTypes.length === 1 ? itemTypes[0] : undefined);
    if (!type) {
      const names = itemTypes.map((t) => t.name).join(', ') || 'none';
      throw new SpiderOutputError(
        `${where}: yielded an item of no known type (the spider's item types: ${names}); make it with Type.create({...})`,
      );
    }
    return { item: value, type };
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object of class ${value.constructor?.name ?? '?'}`;
  const text = JSON.stringify(value) ?? String(value);
  return `a ${typeof value} (${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
}
