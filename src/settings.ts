/**
 * Every setting and its default, in one place (like Scrapy's `default_settings.py`).
 *
 * Settings are resolved once, at start-up, in this order (later wins):
 *   defaults (here)  <  environment  <  `--set NAME=VALUE`  <  explicit CLI flags
 * and the resolved object is passed down; nothing below `crawl.ts` reads `process.env`.
 * Resolution and type checking live in `src/core/settings-loader.ts`.
 */

/** One entry of FEEDS, as a user writes it (Scrapy's feed options, the ones that apply to files). */
export interface FeedOptions {
  /** `jsonl` (or `jsonlines`), `json`, `csv`. Absent: from the file's extension. */
  format?: string;
  /** The fields to write, in order. Absent or null: the item type's fields, else the item's own. */
  fields?: string[] | null;
  /** Replace an existing file (`-O`) instead of appending to it (`-o`, the default). */
  overwrite?: boolean;
  /** The file's text encoding, a Node.js name (`utf8`, `latin1`, `utf16le`). Default `utf8`. */
  encoding?: string;
  /** Only items of these types (their names, e.g. `product`). Absent: every item. */
  item_types?: string[] | null;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type ApiPlan = 'public' | 'demo' | 'pro';
export type ProgressMode = 'auto' | 'on' | 'off';
/** Who shares a rate limit: every process on the key, through the database, or this process alone. */
export type RateLimitScope = '' | 'database' | 'process';

export interface Settings {
  /** Name of the bot, used in the User-Agent and in logs. */
  BOT_NAME: string;
  /** User-Agent header sent with every request. */
  USER_AGENT: string;

  /** API base URL. Empty: the plan's host (`https://api.coingecko.com/api/v3`, or pro-api for the pro plan). */
  API_URL: string;
  /** CoinGecko API key. Secret: never logged, never written. */
  API_KEY: string;
  /** Which plan the key belongs to: decides the key header and the host. */
  API_PLAN: ApiPlan;

  /** Most requests in flight at once (Scrapy's CONCURRENT_REQUESTS). */
  CONCURRENT_REQUESTS: number;
  /**
   * Most items of one answer in the pipelines at once (Scrapy's CONCURRENT_ITEMS): a store can commit
   * them together, and a 365-item answer does not open 365 files at once.
   */
  CONCURRENT_ITEMS: number;
  /**
   * Start requests read ahead of the crawl: the spider's `startRequests()` is read this many at a time,
   * the next batch once fewer than half of one wait in line: a long crawl starts at once, and only a
   * window of its start requests is held in memory.
   */
  START_REQUESTS_BATCH: number;
  /** Most downloads in flight to one host (Scrapy's CONCURRENT_REQUESTS_PER_DOMAIN). 0: no limit but CONCURRENT_REQUESTS. */
  CONCURRENT_REQUESTS_PER_DOMAIN: number;
  /** Wait a random 0.5x to 1.5x DOWNLOAD_DELAY between requests to one host (Scrapy's), so the spacing is not a fixed beat. */
  RANDOMIZE_DOWNLOAD_DELAY: boolean;
  /** Seconds before a request is abandoned as timed out (and retried). */
  DOWNLOAD_TIMEOUT: number;
  /** Least seconds between two requests to one host (Scrapy's DOWNLOAD_DELAY); AutoThrottle never goes below it. */
  DOWNLOAD_DELAY: number;

  /** What sends requests: `http` (the lean keep-alive client) or `got-scraping` (browser-like headers and TLS). */
  DOWNLOAD_HANDLER: string;
  /**
   * The built-in downloader middlewares and their order (Scrapy's DOWNLOADER_MIDDLEWARES_BASE): kept
   * apart so that DOWNLOADER_MIDDLEWARES adds to them. Change DOWNLOADER_MIDDLEWARES instead.
   */
  DOWNLOADER_MIDDLEWARES_BASE: Record<string, number | null>;
  /**
   * Downloader middlewares, name -> order (processRequest lowest first, processResponse highest
   * first), added to DOWNLOADER_MIDDLEWARES_BASE; null turns one off. A spider adds its own in its custom settings.
   */
  DOWNLOADER_MIDDLEWARES: Record<string, number | null>;
  /** Headers sent with every request unless the request sets them (the `default-headers` middleware). */
  DEFAULT_REQUEST_HEADERS: Record<string, string>;
  /** Keep every answer in a file cache and answer from it (the `http-cache` middleware): develop without spending calls. */
  HTTPCACHE_ENABLED: boolean;
  /** Where the cache lives. Empty: `<DATA_DIR>/httpcache`. One folder per spider. */
  HTTPCACHE_DIR: string;
  /** Seconds a cached answer stays good; 0: forever. */
  HTTPCACHE_EXPIRATION_SECS: number;
  /** Statuses never cached (429, 5xx and network errors never are). */
  HTTPCACHE_IGNORE_HTTP_CODES: number[];

  /** Follow redirects (301, 302, 303, 307, 308), as Scrapy's RedirectMiddleware does. */
  REDIRECT_ENABLED: boolean;
  /** Most redirects one request follows before it fails. */
  REDIRECT_MAX_TIMES: number;
  /** Proxy for http:// URLs (env HTTP_PROXY). Empty: none. Secret (it may hold a password). */
  HTTP_PROXY: string;
  /** Proxy for https:// URLs, through a CONNECT tunnel (env HTTPS_PROXY). Empty: none. Secret. */
  HTTPS_PROXY: string;
  /** Hosts reached without the proxy, comma separated: `example.com` also covers its subdomains; `*` all (env NO_PROXY). */
  NO_PROXY: string;

  /** Retry transient failures (5xx, network errors, timeouts, malformed bodies). */
  RETRY_ENABLED: boolean;
  /** Retries per request after the first attempt. */
  RETRY_TIMES: number;
  /** HTTP statuses that are retried. */
  RETRY_HTTP_CODES: number[];
  /** First backoff delay in seconds; doubled on every retry, with jitter. */
  RETRY_BACKOFF_BASE: number;
  /** Longest backoff delay in seconds. */
  RETRY_BACKOFF_MAX: number;
  /** Retries a request may spend on rate-limit answers (429); separate from RETRY_TIMES. */
  RATE_LIMIT_RETRY_TIMES: number;
  /** Pause in seconds after a 429 that has no retry-after; doubled per 429 in a row, with jitter. */
  RATE_LIMIT_BACKOFF_BASE: number;
  /**
   * Longest such pause, in seconds; also how far back workers sharing a limit count admitted answers
   * while they learn it (an older count starts again).
   */
  RATE_LIMIT_BACKOFF_MAX: number;

  /** AutoThrottle: adapt the delay between requests to one host to the server's latency (Scrapy's). */
  AUTOTHROTTLE_ENABLED: boolean;
  /** Initial delay between requests to one host, in seconds. */
  AUTOTHROTTLE_START_DELAY: number;
  /** Longest delay between requests to one host, in seconds. */
  AUTOTHROTTLE_MAX_DELAY: number;
  /** Requests the throttle aims to keep in flight per host. */
  AUTOTHROTTLE_TARGET_CONCURRENCY: number;
  /**
   * Most requests per minute, spread evenly. 0: the spider's preset for its API plan when it talks to the
   * real API (see the README), else no told limit (the limit is learned from 429 answers).
   */
  RATE_LIMIT: number;
  /**
   * `database`: every process with the same API key and host shares one limit through Postgres
   * (DATABASE_URL): the told rate spread over them, a retry-after seen by one pausing all.
   * `process`: each process keeps its own. Empty: `database` for `worker`, `schedule` and `backfill`
   * (its ranking requests), `process` for the other commands.
   */
  RATE_LIMIT_SCOPE: RateLimitScope;

  /**
   * The built-in pipelines and their order (Scrapy's ITEM_PIPELINES_BASE): kept apart so that
   * ITEM_PIPELINES adds to them. Change ITEM_PIPELINES instead.
   */
  ITEM_PIPELINES_BASE: Record<string, number | null>;
  /**
   * Pipelines, name -> order (lower runs first), added to ITEM_PIPELINES_BASE; null turns one off
   * (`--set ITEM_PIPELINES.dedupe=null`). A spider adds its own in its custom settings.
   */
  ITEM_PIPELINES: Record<string, number | null>;
  /**
   * Feeds of every item (Scrapy's FEEDS): file URI -> `{format, fields, overwrite, encoding, item_types}`;
   * `%(name)s` (the spider) and `%(time)s` (the start) are filled in. `-o FILE` / `-O FILE` add one.
   * Any feed turns the `feed` pipeline on.
   */
  FEEDS: Record<string, FeedOptions>;
  /** One feed, the older way: the same as a FEEDS entry `{FEED_URI: {overwrite: FEED_OVERWRITE}}`. */
  FEED_URI: string;
  /** FEED_URI replaces an existing file instead of appending to it. */
  FEED_OVERWRITE: boolean;

  /**
   * The built-in extensions and their order (Scrapy's EXTENSIONS_BASE): kept apart so that EXTENSIONS
   * adds to them. Change EXTENSIONS instead. Order is the order their signal handlers run in.
   */
  EXTENSIONS_BASE: Record<string, number | null>;
  /**
   * Extensions, name -> order, added to EXTENSIONS_BASE; null turns one off
   * (`--set EXTENSIONS.request-log=null`). A spider adds its own in its custom settings.
   */
  EXTENSIONS: Record<string, number | null>;
  /** CloseSpider: stop the crawl gracefully once this many items passed the pipelines. 0: never. */
  CLOSESPIDER_ITEMCOUNT: number;
  /** CloseSpider: stop once this many answers were read. 0: never. */
  CLOSESPIDER_PAGECOUNT: number;
  /** CloseSpider: stop once this many requests failed. 0: never. */
  CLOSESPIDER_ERRORCOUNT: number;
  /** CloseSpider: stop this many seconds after the crawl opened. 0: never. */
  CLOSESPIDER_TIMEOUT: number;

  /** Output root: the `json-files` pipeline writes under it. */
  DATA_DIR: string;
  /**
   * Where `json-files` writes each item, under DATA_DIR: `{field}` is the item's field, `{key}` its
   * type's key (a hash of the item when the type declares none), `{type}` the item type, `{spider}`
   * the spider. Each part is made safe for a file name. The coin spiders set `raw/{coin_id}_{date}.json`.
   */
  FILES_STORE: string;
  /** The fields `json-files` writes, in order. Empty: every field of the item. */
  FILES_FIELDS: string[];
  /** Where `crawl.ts plot` writes its charts. */
  FIGURES_DIR: string;
  /** Keep the request queue here so a stopped or killed crawl resumes (Scrapy's JOBDIR). Empty: in memory. */
  JOB_DIR: string;
  /** Also store items in the database (turns the `postgres-store` pipeline on). */
  DB_STORE: boolean;
  /** Postgres connection URL. Empty: an embedded Postgres (PGlite) under `<DATA_DIR>/db`. Secret (password). */
  DATABASE_URL: string;
  /** Most rows in one database transaction. */
  DB_BATCH_SIZE: number;
  /**
   * Store each day's whole API answer in `full_response` (about 7 KB a `/history` day; the README's
   * "Storage at scale" has the figures). false: new rows get null there (a row that has one keeps it).
   */
  DB_FULL_RESPONSE: boolean;
  /** Retries of a database transaction that lost its connection (a restarted server). */
  DB_RETRY_TIMES: number;
  /** Longest wait between those retries, in seconds. */
  DB_RETRY_BACKOFF_MAX: number;

  /** Console and file log level. */
  LOG_LEVEL: LogLevel;
  /** Also log to this file (appended). Empty: console only. */
  LOG_FILE: string;
  /** Progress bar with ETA: `auto` shows it when stderr is a terminal. */
  PROGRESS_BAR: ProgressMode;

  /** Coins of the daily job (`crawl.ts daily`, and the scheduler's daily jobs). */
  DAILY_COINS: string[];
  /** The daily job also fills any of this many last days that are missing (the day itself included). */
  DAILY_CATCHUP_DAYS: number;
  /** When the scheduler queues the daily jobs: a cron expression (minute hour day month weekday). */
  SCHEDULE_CRON: string;
  /** Time zone of SCHEDULE_CRON (an IANA name such as UTC or Europe/Paris). */
  SCHEDULE_TIMEZONE: string;
  /** Retries of a failed job (the original Airflow DAG's 3). */
  JOB_RETRY_LIMIT: number;
  /** Seconds before a failed job is tried again (the original DAG's 5 minutes). */
  JOB_RETRY_DELAY: number;
  /** Seconds a job may run before it is taken as lost (a killed worker) and tried again. */
  JOB_TIMEOUT: number;
  /** Seconds an idle worker waits before it looks for a job again. */
  WORKER_POLL_INTERVAL: number;
  /** Postgres schema of the job queue's tables (pg-boss). */
  QUEUE_SCHEMA: string;
  /**
   * Seconds between the queue's upkeep (done by one process at a time): it fails the jobs of workers
   * that vanished once JOB_TIMEOUT has passed, so they run again, and archives old jobs.
   */
  QUEUE_MAINTENANCE_INTERVAL: number;

  /** Address `crawl.ts serve` listens on (`--host`). Anything but loopback needs SERVE_TOKEN. */
  SERVE_HOST: string;
  /** Port of `crawl.ts serve` (`--port`); 0 picks a free one. */
  SERVE_PORT: number;
  /**
   * Turns the status page's actions on (queue a daily run or a backfill): each needs this token, in
   * an `Authorization: Bearer` header or the session cookie set from it. Empty: no actions.
   * Secret: never logged, never sent to the browser. At least 16 characters.
   */
  SERVE_TOKEN: string;
}

/**
 * The settings of one crawl: the framework's, and the spider's own (from its custom settings),
 * which are typed by their default and read as `settings.MY_SETTING`.
 */
export type CrawlSettings = Settings & Readonly<Record<string, unknown>>;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  BOT_NAME: 'coingecko-crawler',
  USER_AGENT: 'coingecko-crawler/0.1 (+https://github.com/coingecko-crawler)',

  API_URL: '',
  API_KEY: '',
  API_PLAN: 'public',

  CONCURRENT_REQUESTS: 8,
  CONCURRENT_ITEMS: 100,
  START_REQUESTS_BATCH: 1000,
  CONCURRENT_REQUESTS_PER_DOMAIN: 0,
  RANDOMIZE_DOWNLOAD_DELAY: true,
  DOWNLOAD_TIMEOUT: 30,
  DOWNLOAD_DELAY: 0,
  DOWNLOAD_HANDLER: 'http',
  DOWNLOADER_MIDDLEWARES_BASE: {
    'default-headers': 400,
    retry: 550,
    redirect: 600,
    'rate-limit': 650,
    'download-stats': 850,
    'http-cache': 900,
    'api-key': 950,
  },
  DOWNLOADER_MIDDLEWARES: {},
  DEFAULT_REQUEST_HEADERS: {},
  HTTPCACHE_ENABLED: false,
  HTTPCACHE_DIR: '',
  HTTPCACHE_EXPIRATION_SECS: 0,
  HTTPCACHE_IGNORE_HTTP_CODES: [],
  REDIRECT_ENABLED: true,
  REDIRECT_MAX_TIMES: 20,
  HTTP_PROXY: '',
  HTTPS_PROXY: '',
  NO_PROXY: '',

  RETRY_ENABLED: true,
  RETRY_TIMES: 5,
  RETRY_HTTP_CODES: [500, 502, 503, 504, 522, 524, 408],
  RETRY_BACKOFF_BASE: 0.5,
  RETRY_BACKOFF_MAX: 30,
  RATE_LIMIT_RETRY_TIMES: 50,
  RATE_LIMIT_BACKOFF_BASE: 1,
  RATE_LIMIT_BACKOFF_MAX: 120,

  AUTOTHROTTLE_ENABLED: false,
  AUTOTHROTTLE_START_DELAY: 1,
  AUTOTHROTTLE_MAX_DELAY: 60,
  AUTOTHROTTLE_TARGET_CONCURRENCY: 1,
  RATE_LIMIT: 0,
  RATE_LIMIT_SCOPE: '',

  ITEM_PIPELINES_BASE: { validate: 100, dedupe: 200, 'json-files': 300, 'postgres-store': null, feed: null },
  ITEM_PIPELINES: {},
  FEEDS: {},
  FEED_URI: '',
  FEED_OVERWRITE: false,

  EXTENSIONS_BASE: {
    autothrottle: 0,
    closespider: 100,
    memory: 200,
    progress: 300,
    'request-log': 400,
    'stats-dump': 900,
  },
  EXTENSIONS: {},
  CLOSESPIDER_ITEMCOUNT: 0,
  CLOSESPIDER_PAGECOUNT: 0,
  CLOSESPIDER_ERRORCOUNT: 0,
  CLOSESPIDER_TIMEOUT: 0,

  DATA_DIR: './data',
  FILES_STORE: 'items/{spider}/{key}.json',
  FILES_FIELDS: [],
  FIGURES_DIR: './reports/figures',
  JOB_DIR: '',
  DB_STORE: false,
  DATABASE_URL: '',
  DB_BATCH_SIZE: 500,
  DB_FULL_RESPONSE: true,
  DB_RETRY_TIMES: 10,
  DB_RETRY_BACKOFF_MAX: 30,

  LOG_LEVEL: 'info',
  LOG_FILE: '',
  PROGRESS_BAR: 'auto',

  DAILY_COINS: ['bitcoin', 'ethereum', 'cardano'],
  DAILY_CATCHUP_DAYS: 7,
  SCHEDULE_CRON: '0 3 * * *',
  SCHEDULE_TIMEZONE: 'UTC',
  JOB_RETRY_LIMIT: 3,
  JOB_RETRY_DELAY: 300,
  JOB_TIMEOUT: 1800,
  WORKER_POLL_INTERVAL: 2,
  QUEUE_SCHEMA: 'pgboss',
  QUEUE_MAINTENANCE_INTERVAL: 60,

  SERVE_HOST: '127.0.0.1',
  SERVE_PORT: 8080,
  SERVE_TOKEN: '',
});

/**
 * Environment variables read for settings, besides `CRAWLER_<NAME>` which works for every setting.
 * These are the names users already know from CoinGecko's docs and from the original project.
 */
export const ENV_ALIASES: Readonly<Partial<Record<keyof Settings, string | readonly string[]>>> =
  Object.freeze({
    API_URL: 'COINGECKO_API_URL',
    API_KEY: 'COINGECKO_API_KEY',
    API_PLAN: 'COINGECKO_API_PLAN',
    DATA_DIR: 'DATA_DIR',
    DATABASE_URL: 'DATABASE_URL',
    RATE_LIMIT_SCOPE: 'RATE_LIMIT_SCOPE',
    JOB_DIR: 'JOB_DIR',
    LOG_LEVEL: 'LOG_LEVEL',
    LOG_FILE: 'LOG_FILE',
    DAILY_COINS: 'DAILY_COINS',
    DAILY_CATCHUP_DAYS: 'DAILY_CATCHUP_DAYS',
    SCHEDULE_CRON: 'SCHEDULE_CRON',
    SCHEDULE_TIMEZONE: 'SCHEDULE_TIMEZONE',
    SERVE_TOKEN: 'SERVE_TOKEN',
    // curl's and most tools' names, both spellings (the lowercase one wins, as in curl).
    HTTP_PROXY: ['HTTP_PROXY', 'http_proxy'],
    HTTPS_PROXY: ['HTTPS_PROXY', 'https_proxy'],
    NO_PROXY: ['NO_PROXY', 'no_proxy'],
  });

/** Settings that must never be printed or written anywhere. */
export const SECRET_SETTINGS: ReadonlySet<keyof Settings> = new Set<keyof Settings>([
  'API_KEY',
  'DATABASE_URL',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'SERVE_TOKEN',
]);
