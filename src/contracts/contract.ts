/**
 * Spider contracts (Scrapy's `@url`, `@returns`, `@scrapes` docstring lines): a callback declares,
 * right above it, a stored answer and what the callback must make of it, and `check` runs them all
 * offline. A contract is a test that lives with the code it tests, so a spider author sees at once
 * what a callback expects to read and to give.
 *
 *   @contract({
 *     answer: 'test/fixtures/catalogue-api/answers/product-p-001.json',
 *     url: 'http://127.0.0.1:8001/products/p-001',
 *     items: 1,
 *     requests: 0,
 *     scrapes: ['id', 'title', 'price'],
 *   })
 *   parseProduct(response: Response): Product[] { ... }
 */

/** How many: exactly this many, or `[least, most]` (most `null`: no limit). */
export type Count = number | readonly [number, number | null];

export interface ContractSpec {
  /** The stored answer's body: a file, relative to the project's folder. */
  answer: string;
  /** The URL the request had (its answer's URL, which `response.follow` resolves against). */
  url: string;
  /** The answer's status (default 200). */
  status?: number;
  /** The answer's headers (default `content-type: application/json`). */
  headers?: Readonly<Record<string, string>>;
  /** The request's meta, which the callback reads as `response.meta` (Scrapy's `@meta`). */
  meta?: object;
  /** The spider's arguments, as `-a name=value` gives them (default: none, the declared defaults). */
  args?: Readonly<Record<string, string | readonly string[]>>;
  /** Items the callback must yield (Scrapy's `@returns items`). Absent: not checked. */
  items?: Count;
  /** Requests the callback must yield (Scrapy's `@returns requests`). Absent: not checked. */
  requests?: Count;
  /** Fields every item must have, not `undefined` (Scrapy's `@scrapes`). */
  scrapes?: readonly string[];
}

/** A contract of one callback of a spider class. */
export interface DeclaredContract extends ContractSpec {
  /** The method it checks. */
  callback: string;
}

/** The contracts declared on each spider class's prototype, by the decorator. */
const declared = new WeakMap<object, DeclaredContract[]>();

/**
 * Declares a contract for the method below it; several may be stacked on one method. (A legacy
 * TypeScript decorator: the project compiles with `experimentalDecorators`.)
 */
export function contract(spec: ContractSpec) {
  return (prototype: object, callback: string): void => {
    const list = declared.get(prototype) ?? [];
    // A method's decorators apply bottom-up: insert before its others, to keep the order written.
    const first = list.findIndex((known) => known.callback === callback);
    list.splice(first < 0 ? list.length : first, 0, { ...spec, callback });
    declared.set(prototype, list);
  };
}

/** Every contract of a spider class, its base classes' first, in the order they were written. */
export function contractsOf(spiderClass: { prototype: object }): DeclaredContract[] {
  const chain: object[] = [];
  for (let proto: object | null = spiderClass.prototype; proto && proto !== Object.prototype;) {
    chain.unshift(proto);
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return chain.flatMap((proto) => declared.get(proto) ?? []);
}
