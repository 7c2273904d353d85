/**
 * The spider contract (Scrapy's Spider): a name, the requests to start with, and callbacks that read
 * answers and yield items and more requests, mixed, as they find them.
 *
 * - `startRequests()` and every callback may be sync or async and may return or yield (an Iterable or
 *   an AsyncIterable) items (plain objects) and requests (`new Request(...)`, `response.follow(...)`).
 * - A request names its callback: a label of the spider's router, or one of its methods; `parse` by
 *   default. Its `meta` reaches the callback as `response.meta`.
 * - A spider declares what it takes and gives: its arguments (`-a name=value`), its own settings and
 *   their defaults (`customSettings`), its item types, and pipelines of its own.
 *
 * A spider knows its source, never where items end up: storage answers "already stored?" through
 * `this.stored`, a read-only view.
 */
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { ItemType } from './item';
import type { ExtensionFactory } from './extension';
import type { DownloaderMiddlewareFactory } from './downloader-middleware';
import type { PipelineFactory } from './pipeline';
import type { Response } from './response';
import type { Router } from './router';
import type { ArgumentSpec } from './spider-arguments';
import type { StatsCollector } from './stats';

/** What a callback or `startRequests` may give back: items and requests, in any of these shapes. */
export type SpiderOutput =
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | Promise<Iterable<unknown> | AsyncIterable<unknown> | void>
  | void;

/** What a callback may use besides the answer: stats for its own counters, and the log. */
export interface SpiderContext {
  stats: StatsCollector;
  logger: Logger;
}

// The answer's meta is whatever its request carried: callbacks name their own meta type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callback = (response: Response<any>, context: SpiderContext) => SpiderOutput;

/** Storage, read-only: which items every store that keeps their type already has. */
export interface StoredItems {
  /**
   * The keys (`type.key(item)`) of the given items that are already stored, so a spider needn't ask
   * for them again (incremental crawls). `probes` need only the fields the key and the stores read.
   * Empty with `--force`, or when no enabled store keeps this type.
   */
  keys<T extends object>(type: ItemType<T>, probes: readonly Partial<T>[]): Promise<Set<string>>;
}

/** For a spider whose requests are sent outside a crawl (`fetch`, `check`, a backfill's ranking): nothing is stored. */
export const NOTHING_STORED: StoredItems = { keys: async () => new Set() };

/** What a spider is made with: its checked arguments, the crawl's settings, and the stored-items view. */
export interface SpiderInit<Args extends object, OwnSettings extends object> {
  args: Args;
  settings: Settings & OwnSettings;
  stored: StoredItems;
}

export abstract class Spider<
  Args extends object = Record<string, never>,
  OwnSettings extends object = object,
> {
  /**
   * Non-2xx statuses the callbacks want to see (Scrapy's `handle_httpstatus_list`). Any other non-2xx
   * that isn't retried fails the request with "HTTP <status>".
   */
  readonly handleHttpStatusList: readonly number[] = [];
  /** Label -> handler, for requests whose callback is a label (Crawlee's router). Optional. */
  declare readonly router: Router | undefined;

  readonly args: Args;
  readonly settings: Settings & OwnSettings;
  protected readonly stored: StoredItems;

  constructor({ args, settings, stored }: SpiderInit<Args, OwnSettings>) {
    this.args = args;
    this.settings = settings;
    this.stored = stored;
  }

  /** The spider's name (its class's `spiderName`). */
  get name(): string {
    return (this.constructor as unknown as { spiderName: string }).spiderName;
  }

  /** The requests to start with (and items, if any are known without asking). */
  abstract startRequests(): SpiderOutput;

  /**
   * The API's published limit in requests per minute, used when RATE_LIMIT is 0; 0 when unknown
   * (the throttle then learns the limit from 429 answers).
   */
  rateLimitPreset(): number {
    return 0;
  }

  /**
   * Headers added to every request when it is sent, never stored in the queue: the place for API
   * keys. Those named in `secretHeaderNames` are dropped when a redirect leaves the request's host.
   */
  requestHeaders(): Record<string, string> {
    return {};
  }

  /** Headers of `requestHeaders()` that are secrets (lowercase names). */
  readonly secretHeaderNames: readonly string[] = [];
}

/** A spider class as the registry, `list`, `--help` and the crawler see it. */
export interface SpiderClass<Args extends object = object, OwnSettings extends object = object> {
  // The crawler builds each spider with the arguments its own declaration checked.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new (init: SpiderInit<any, any>): Spider<Args, OwnSettings>;
  /** Unique name, used by `--spider` and `list`. */
  readonly spiderName: string;
  /** One line: what it crawls. */
  readonly description: string;
  /** What `-a name=value` may give it (and the flags that stand for some, such as `--coin-id`). */
  readonly spiderArguments?: readonly ArgumentSpec[];
  /**
   * Checks the arguments together once each is parsed (e.g. the end not before the start) and
   * returns them as the spider reads them; throw a UsageError naming the flag when one is wrong.
   */
  checkArguments?(values: Record<string, unknown>): Args;
  /**
   * Settings of its own (with their defaults) and its values for the framework's (Scrapy's
   * `custom_settings`). Precedence: defaults < these < environment < `--set` < flags.
   */
  readonly customSettings?: Readonly<Record<string, unknown>>;
  /** The item types it yields. A one-type spider's plain objects are of that type. */
  readonly itemTypes: readonly ItemType[];
  /** Pipelines of its own, by name, for ITEM_PIPELINES (in its customSettings) to turn on. */
  readonly pipelines?: Readonly<Record<string, PipelineFactory>>;
  /** Extensions of its own, by name, for EXTENSIONS (in its customSettings, or `--set`) to turn on. */
  readonly extensions?: Readonly<Record<string, ExtensionFactory>>;
  /** Downloader middlewares of its own, by name, for DOWNLOADER_MIDDLEWARES (its customSettings, or `--set`) to turn on. */
  readonly downloaderMiddlewares?: Readonly<Record<string, DownloaderMiddlewareFactory>>;
}
