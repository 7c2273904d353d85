/**
 * The spider contract (Scrapy's Spider): a name, the requests to start with, and `parse`, which
 * turns one response into items. A spider knows its API, never where items end up.
 */
import type { Logger } from 'winston';
import type { Settings } from '../settings';
import type { StatsCollector } from './stats';

export interface SpiderRequest {
  url: string;
  /** Key the request queue dedupes on (and resumes by). Default: the URL. */
  uniqueKey?: string;
  /** What the request is for, in words: used in progress lines and the failure summary (`bitcoin 2021-04-01`). */
  label: string;
  /** Requests that fail together when a response says the whole group is lost (e.g. one coin's days). */
  group?: string;
  /** Data handed back to `parse`. Stored in the request queue (and `--job-dir`): JSON only, no secrets. */
  meta?: Record<string, unknown>;
}

export interface SpiderResponse {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  request: SpiderRequest;
}

/** What a spider may use while parsing: stats for its own counters, and the logger. */
export interface SpiderContext {
  stats: StatsCollector;
  logger: Logger;
}

/** Arguments every coin spider takes from the CLI (Scrapy's `-a` arguments). */
export interface SpiderArgs {
  coinIds: string[];
  /** First day, ISO `YYYY-MM-DD`. */
  startDate: string;
  /** Last day (inclusive), ISO `YYYY-MM-DD`. */
  endDate: string;
  /**
   * Whether a coin's day is already stored, so the spider needn't ask for it (incremental crawls).
   * Absent: fetch everything (`--force`). A read-only view of storage: spiders never write.
   */
  isStored?: (coinId: string, date: string) => boolean;
}

export abstract class Spider<Item> {
  /** Unique name, used by `--spider` and `crawl.ts list`. */
  abstract readonly name: string;
  /**
   * Non-2xx statuses `parse` wants to see (Scrapy's `handle_httpstatus_list`). Any other non-2xx that
   * isn't retried fails the request with "HTTP <status>".
   */
  readonly handleHttpStatusList: readonly number[] = [];

  constructor(
    protected readonly args: SpiderArgs,
    protected readonly settings: Settings,
  ) {}

  /** The requests of the crawl, in the order they should go out. */
  abstract startRequests(): Iterable<SpiderRequest>;

  /**
   * Items from one response. Throw `IgnoreRequest` (no retry), `RetryRequest` (transient) or
   * `RateLimited` (a rate-limit answer the status didn't show).
   */
  abstract parse(response: SpiderResponse, context: SpiderContext): Item[];

  /**
   * The API's published limit in requests per minute, used when RATE_LIMIT is 0; 0 when unknown
   * (the throttle then learns the limit from 429 answers).
   */
  rateLimitPreset(): number {
    return 0;
  }

  /**
   * Headers added to every request when it is sent, never stored in the queue: the place for API keys.
   */
  requestHeaders(): Record<string, string> {
    return {};
  }
}

/** How the registry and `crawl.ts list` know a spider class. */
export interface SpiderClass<Item> {
  new (args: SpiderArgs, settings: Settings): Spider<Item>;
  readonly spiderName: string;
  readonly description: string;
}
