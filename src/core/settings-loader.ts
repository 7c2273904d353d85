/**
 * Resolves the settings once: defaults < the spider's custom settings < environment <
 * `--set NAME=VALUE` < explicit flags.
 *
 * A spider's custom settings may set the framework's settings and bring settings of its own (UPPER_SNAKE
 * names, typed by their default), which the environment (`CRAWLER_<NAME>`) and `--set` then reach
 * like any other.
 *
 * Every value arrives as text (env, --set) or as a typed flag value; each is coerced to the type of
 * its default and checked, and a bad one is a UsageError that names the setting, where it came from
 * and the value (secrets are never echoed).
 */
import { CrawlSettings, DEFAULT_SETTINGS, ENV_ALIASES, SECRET_SETTINGS, Settings } from '../settings';
import { UsageError } from './errors';

export type SettingName = keyof Settings;

/** Extra checks beyond "is it the right type": allowed words and numeric ranges. */
const CHECKS: Partial<Record<SettingName, (value: unknown) => string | undefined>> = {
  API_PLAN: oneOf('public', 'demo', 'pro'),
  LOG_LEVEL: (level) =>
    ['error', 'warn', 'info', 'debug'].includes(level as string)
      ? undefined
      : 'expected debug, info, warn (or warning), error or critical, in any case',
  PROGRESS_BAR: oneOf('auto', 'on', 'off'),
  CONCURRENT_REQUESTS: integerAtLeast(1),
  CONCURRENT_ITEMS: integerAtLeast(1),
  START_REQUESTS_BATCH: integerAtLeast(1),
  DOWNLOAD_TIMEOUT: numberAbove(0),
  RETRY_TIMES: integerAtLeast(0),
  RATE_LIMIT_RETRY_TIMES: integerAtLeast(0),
  RETRY_BACKOFF_BASE: numberAtLeast(0),
  RETRY_BACKOFF_MAX: numberAtLeast(0),
  DOWNLOAD_DELAY: numberAtLeast(0),
  DB_BATCH_SIZE: integerAtLeast(1),
  DB_RETRY_TIMES: integerAtLeast(0),
  DB_RETRY_BACKOFF_MAX: numberAtLeast(0),
  DATABASE_URL: (url) =>
    url === '' || /^postgres(ql)?:\/\//.test(url as string)
      ? undefined
      : 'expected postgres://user:password@host:port/database',
  RATE_LIMIT_BACKOFF_BASE: numberAtLeast(0),
  RATE_LIMIT_BACKOFF_MAX: numberAtLeast(0),
  AUTOTHROTTLE_START_DELAY: numberAtLeast(0),
  AUTOTHROTTLE_MAX_DELAY: numberAtLeast(0),
  AUTOTHROTTLE_TARGET_CONCURRENCY: numberAbove(0),
  RATE_LIMIT: numberAtLeast(0),
  RATE_LIMIT_SCOPE: (scope) =>
    ['', 'database', 'process'].includes(scope as string) ? undefined : 'expected database or process',
  RETRY_HTTP_CODES: (codes) =>
    (codes as number[]).every((c) => Number.isInteger(c) && c >= 100 && c <= 599)
      ? undefined
      : 'expected HTTP status codes (100-599)',
  ITEM_PIPELINES: componentOrders('pipeline'),
  DOWNLOADER_MIDDLEWARES: componentOrders('middleware'),
  DOWNLOADER_MIDDLEWARES_BASE: componentOrders('middleware'),
  DOWNLOAD_HANDLER: oneOf('http', 'got-scraping'),
  CONCURRENT_REQUESTS_PER_DOMAIN: integerAtLeast(0),
  HTTPCACHE_EXPIRATION_SECS: numberAtLeast(0),
  HTTPCACHE_IGNORE_HTTP_CODES: (codes) =>
    (codes as number[]).every((c) => Number.isInteger(c) && c >= 100 && c <= 599)
      ? undefined
      : 'expected HTTP status codes (100-599)',
  DEFAULT_REQUEST_HEADERS: (headers) =>
    Object.values(headers as Record<string, unknown>).every((v) => typeof v === 'string')
      ? undefined
      : 'expected a map of header name to text',
  ITEM_PIPELINES_BASE: componentOrders('pipeline'),
  EXTENSIONS: componentOrders('extension'),
  EXTENSIONS_BASE: componentOrders('extension'),
  CLOSESPIDER_ITEMCOUNT: integerAtLeast(0),
  CLOSESPIDER_PAGECOUNT: integerAtLeast(0),
  CLOSESPIDER_ERRORCOUNT: integerAtLeast(0),
  CLOSESPIDER_TIMEOUT: numberAtLeast(0),
  // Each feed's options are checked with the feed pipeline (src/feeds/feed-options.ts), before the crawl.
  FEEDS: (feeds) =>
    Object.values(feeds as Record<string, unknown>).every(
      (options) => typeof options === 'object' && options !== null && !Array.isArray(options),
    )
      ? undefined
      : 'expected a map of feed URI to options, e.g. {"items.csv": {"format": "csv"}}',
  REDIRECT_MAX_TIMES: integerAtLeast(0),
  HTTP_PROXY: proxyUrl,
  HTTPS_PROXY: proxyUrl,
  API_URL: (url) => (url === '' || isHttpUrl(url as string) ? undefined : 'expected an http(s) URL'),
  DAILY_COINS: (coins) => ((coins as string[]).length > 0 ? undefined : 'expected at least one coin id'),
  DAILY_CATCHUP_DAYS: integerAtLeast(1),
  SCHEDULE_TIMEZONE: (zone) =>
    isTimeZone(zone as string) ? undefined : 'expected an IANA time zone, e.g. UTC',
  JOB_RETRY_LIMIT: integerAtLeast(0),
  JOB_RETRY_DELAY: integerAtLeast(0),
  // pg-boss refuses a time-out or an upkeep interval of a day or more.
  JOB_TIMEOUT: integerBetween(1, 86_399),
  WORKER_POLL_INTERVAL: numberAbove(0),
  QUEUE_MAINTENANCE_INTERVAL: integerBetween(1, 86_399),
  SERVE_HOST: (host) => (host !== '' ? undefined : 'expected an address, e.g. 127.0.0.1'),
  SERVE_PORT: integerBetween(0, 65_535),
  SERVE_TOKEN: (token) =>
    token === '' || (token as string).length >= 16 ? undefined : 'expected at least 16 characters',
  QUEUE_SCHEMA: (name) =>
    /^[a-z_][a-z0-9_]*$/.test(name as string) ? undefined : 'expected a lowercase SQL name, e.g. pgboss',
};

/**
 * Other spellings a setting accepts, turned into its own before the checks: Python's and Scrapy's log
 * levels (`INFO`, `WARNING`, `CRITICAL`) as well as winston's, in any case. We log nothing above
 * error, so `critical` is `error`.
 */
const LOG_LEVEL_WORDS: Readonly<Record<string, string>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  critical: 'error',
};
const SPELLINGS: Partial<Record<SettingName, (text: string) => string>> = {
  LOG_LEVEL: (text) => LOG_LEVEL_WORDS[text.trim().toLowerCase()] ?? text,
};

/** Lists of numbers whose default is empty (so the default can't tell their type). */
const NUMBER_LISTS: ReadonlySet<string> = new Set<SettingName>(['HTTPCACHE_IGNORE_HTTP_CODES']);

export interface SettingsSources {
  /** The spider's custom settings (its class's `customSettings`). */
  spider?: Readonly<Record<string, unknown>>;
  /** The process environment (only the names this project reads are looked at). */
  env?: NodeJS.ProcessEnv;
  /** `--set NAME=VALUE` pairs, in the order given. */
  overrides?: string[];
  /** Values of explicit CLI flags, as typed on the command line, with the flag to name in errors. */
  flags?: FlagValue[];
}

export interface FlagValue {
  /** The flag as the user knows it, e.g. `--concurrency`. */
  flag: string;
  setting: SettingName;
  /** For a map setting: the entry the flag sets (`-o FILE` sets `FEEDS[FILE]`). Absent: the whole setting. */
  key?: string;
  text: string;
}

export function isSettingName(name: string): name is SettingName {
  return Object.prototype.hasOwnProperty.call(DEFAULT_SETTINGS, name);
}

export function resolveSettings({
  spider = {},
  env = {},
  overrides = [],
  flags = [],
}: SettingsSources = {}): CrawlSettings {
  const settings: Settings = structuredClone(DEFAULT_SETTINGS) as Settings;
  const defaults: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [name, value] of Object.entries(spider)) {
    if (isSettingName(name)) {
      const expected = typeOf(DEFAULT_SETTINGS[name]);
      if (typeOf(value) !== expected)
        throw new UsageError(
          `spider custom setting ${name}: expected ${expected}, got ${JSON.stringify(value)}`,
        );
      check(name, value, `spider custom setting ${name}`);
    } else if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      throw new UsageError(`spider custom setting ${JSON.stringify(name)}: names are UPPER_SNAKE_CASE`);
    } else {
      defaults[name] = value;
    }
    (settings as unknown as Record<string, unknown>)[name] = structuredClone(value);
  }
  const known = (name: string): name is SettingName => Object.prototype.hasOwnProperty.call(defaults, name);

  for (const name of Object.keys(defaults) as SettingName[]) {
    for (const variable of envNames(name)) {
      const text = env[variable];
      if (text !== undefined && text !== '')
        assign(settings, name, text, `environment variable ${variable}`, defaults);
    }
  }

  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${quote(pair)}: expected NAME=VALUE`);
    const target = pair.slice(0, eq).trim();
    const dot = target.indexOf('.');
    const [name, key] = dot < 0 ? [target, undefined] : [target.slice(0, dot), target.slice(dot + 1)];
    const text = pair.slice(eq + 1);
    if (!known(name)) throw new UsageError(`--set ${name}: unknown setting (see README, "Settings")`);
    if (key !== undefined) assignEntry(settings, name, key, text);
    else assign(settings, name, text, `--set ${name}`, defaults);
  }

  for (const { flag, setting, key, text } of flags) {
    if (key !== undefined) assignEntry(settings, setting, key, text, flag);
    else assign(settings, setting, text, flag, defaults);
  }
  return Object.freeze(settings) as CrawlSettings;
}

/**
 * A component map (ITEM_PIPELINES) added to its built-ins (ITEM_PIPELINES_BASE): the enabled names,
 * lowest order first.
 */
export function enabledComponents(
  base: Readonly<Record<string, number | null>>,
  custom: Readonly<Record<string, number | null>>,
): string[] {
  return Object.entries({ ...base, ...custom })
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .sort(([, a], [, b]) => a - b)
    .map(([name]) => name);
}

/** A spider's own settings named like secrets (`..._KEY`, `_SECRET`, `_TOKEN`, `_PASSWORD`) are masked too. */
const SECRET_NAME = /(^|_)(KEY|SECRET|TOKEN|PASSWORD)$/;

/** Headers that carry credentials (in DEFAULT_REQUEST_HEADERS, say): `Authorization`, `Cookie`, `x-...-apikey`. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|(key|secret|token|password)$/i;

/** The settings as printable text, with secrets masked (and credential headers in header maps). */
export function describeSettings(settings: Settings): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    const secret = SECRET_SETTINGS.has(name as SettingName) || SECRET_NAME.test(name);
    shown[name] = secret && value ? '***' : name.endsWith('_HEADERS') ? maskHeaders(value) : value;
  }
  return shown;
}

function maskHeaders(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([header, value]) => [header, SECRET_HEADER.test(header) ? '***' : value]),
  );
}

/** The variables read for a setting, in order (a later one wins). */
function envNames(name: SettingName): string[] {
  const alias = ENV_ALIASES[name] ?? [];
  return [`CRAWLER_${name}`, ...(typeof alias === 'string' ? [alias] : alias)];
}

function assign(
  settings: Settings,
  name: SettingName,
  text: string,
  source: string,
  defaults: Readonly<Record<string, unknown>>,
): void {
  const value = coerce(name, text, source, defaults[name]);
  check(name, value, source);
  (settings as unknown as Record<string, unknown>)[name] = value;
}

/** `--set ITEM_PIPELINES.feed=800`: change one entry of a map setting (`{...}`: a JSON object entry, as FEEDS has). */
function assignEntry(
  settings: Settings,
  name: SettingName,
  key: string,
  text: string,
  source = `--set ${name}.${key}`,
): void {
  const current = settings[name];
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new UsageError(`${source}: ${name} is not a map setting`);
  }
  // An entry is typed like the one it replaces: text for a map of text, else an order (or null).
  const previous = (current as Record<string, unknown>)[key];
  const word = text.trim();
  const entry =
    typeof previous === 'string'
      ? text
      : word.startsWith('{')
        ? parseJson(text, (expected) => badValue(name, source, text, expected))
        : word === 'null' || word === ''
          ? null
          : Number(word);
  if (typeof entry === 'number' && !Number.isFinite(entry))
    throw badValue(name, source, text, 'expected a number or null');
  const updated = { ...current, [key]: entry };
  check(name, updated, source);
  (settings as unknown as Record<string, unknown>)[name] = updated;
}

function coerce(name: SettingName, given: string, source: string, fallback: unknown): unknown {
  const text = SPELLINGS[name]?.(given) ?? given;
  const bad = (expected: string) => badValue(name, source, text, expected);
  if (typeof fallback === 'number') {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n)) throw bad('expected a number');
    return n;
  }
  if (typeof fallback === 'boolean') {
    const b = parseBoolean(text);
    if (b === undefined) throw bad('expected true or false');
    return b;
  }
  if (Array.isArray(fallback)) {
    const items = text.trim().startsWith('[') ? parseJson(text, bad) : text.split(',');
    if (!Array.isArray(items)) throw bad('expected a comma-separated list');
    if (typeof fallback[0] !== 'number' && !NUMBER_LISTS.has(name))
      return items.map((item) => String(item).trim()).filter(Boolean);
    const numbers = items.map((item) => Number(String(item).trim()));
    if (numbers.some((n) => !Number.isFinite(n))) throw bad('expected a comma-separated list of numbers');
    return numbers;
  }
  if (typeof fallback === 'object' && fallback !== null) {
    const parsed = parseJson(text, bad);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw bad('expected a JSON object');
    return parsed;
  }
  return text;
}

/** The kind of value a setting holds, for checking a spider's custom settings against the defaults. */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

function check(name: SettingName, value: unknown, source: string): void {
  const problem = CHECKS[name]?.(value);
  if (problem) throw badValue(name, source, String(value), problem);
}

function badValue(name: SettingName, source: string, text: string, expected: string): UsageError {
  const shown = SECRET_SETTINGS.has(name) ? '***' : quote(text);
  return new UsageError(`${source}: invalid value ${shown} for ${name}: ${expected}`);
}

/** true/false, yes/no, on/off, 1/0, any case; undefined when it is none of these. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(word)) return true;
  if (['false', 'no', 'off', '0'].includes(word)) return false;
  return undefined;
}

function parseJson(text: string, bad: (expected: string) => UsageError): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw bad('expected valid JSON');
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function componentOrders(kind: string) {
  return (orders: unknown) =>
    Object.values(orders as Record<string, unknown>).every((o) => o === null || Number.isFinite(o))
      ? undefined
      : `expected a map of ${kind} name to order (a number, or null to disable)`;
}

/** A proxy as curl takes it: an http(s) URL, or `host:port` (read as http://). */
function proxyUrl(url: unknown): string | undefined {
  const text = url as string;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  return text === '' || isHttpUrl(withScheme)
    ? undefined
    : 'expected an http(s) proxy URL or host:port, e.g. http://proxy:3128';
}

function oneOf(...words: string[]) {
  return (value: unknown) =>
    words.includes(value as string) ? undefined : `expected one of ${words.join(', ')}`;
}

function integerBetween(min: number, max: number) {
  return (value: unknown) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? undefined
      : `expected a whole number from ${min} to ${max}`;
}

function integerAtLeast(min: number) {
  return (value: unknown) =>
    Number.isInteger(value) && (value as number) >= min ? undefined : `expected a whole number >= ${min}`;
}

function numberAtLeast(min: number) {
  return (value: unknown) => ((value as number) >= min ? undefined : `expected a number >= ${min}`);
}

function numberAbove(min: number) {
  return (value: unknown) => ((value as number) > min ? undefined : `expected a number > ${min}`);
}
