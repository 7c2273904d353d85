/**
 * A request a spider yields (Scrapy's Request): a complete HTTP request plus what the crawl needs to
 * route its answer: the callback that reads it and the data handed to that callback.
 *
 * Requests go into Crawlee's request queue, which may live on disk (`--job-dir`): everything here is
 * JSON, and nothing secret belongs in it. Headers that carry secrets (an API key) are added by the
 * spider's `requestHeaders()` when the request is sent, never stored.
 */
import { createHash, randomUUID } from 'node:crypto';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A form body: values are sent as `application/x-www-form-urlencoded`, arrays as repeated keys. */
export type FormData = Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>;

export interface RequestOptions<Meta extends object = object> {
  /** Absolute http(s) URL. `response.follow()` resolves relative ones against the response's URL. */
  url: string;
  /** Default GET. */
  method?: HttpMethod;
  /** Sent with the request and stored with it in the queue: no secrets (see the file comment). */
  headers?: Record<string, string>;
  /** A raw body. Use `json` or `form` instead to have it encoded and its content-type set. */
  body?: string;
  /** A body sent as JSON (`content-type: application/json`). */
  json?: unknown;
  /** A body sent as a URL-encoded form (`content-type: application/x-www-form-urlencoded`). */
  form?: FormData;
  /**
   * Which callback reads the answer: a label the spider's router has a handler for, or the name of
   * one of the spider's methods. Default `parse`.
   */
  callback?: string;
  /** Data handed to the callback as `response.meta` (Scrapy's `cb_kwargs`/`meta`). JSON only. */
  meta?: Meta;
  /**
   * Requests with a priority above 0 go to the front of the queue (Crawlee's queue has a front and
   * a back, not a ranking); others join the back. Default 0.
   */
  priority?: number;
  /** Send it even when a request with the same `uniqueKey` was already queued (Scrapy's `dont_filter`). */
  dontFilter?: boolean;
  /** What the queue dedupes (and resumes) on. Default: the request's fingerprint (`requestFingerprint`). */
  uniqueKey?: string;
  /** The request in words, for progress lines and the failure summary (`bitcoin 2021-04-01`). Default: the URL. */
  label?: string;
  /** Requests that fail together when an answer says the whole group is lost (one coin's days, say). */
  group?: string;
}

/** What the queue keeps of a request: plain JSON. */
export interface RequestData {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
  callback?: string;
  meta: Record<string, unknown>;
  priority: number;
  uniqueKey: string;
  label: string;
  group?: string;
}

export class Request<Meta extends object = object> {
  readonly url: string;
  readonly method: HttpMethod;
  /**
   * Lowercase names. Downloader middlewares may set headers here at send time (the user agent, an API
   * key): the queue keeps what `toJSON()` gave when the request was queued, not these.
   */
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly callback: string | undefined;
  readonly meta: Meta;
  readonly priority: number;
  readonly uniqueKey: string;
  readonly label: string;
  readonly group: string | undefined;

  constructor(options: RequestOptions<Meta>) {
    const url = checkUrl(options.url);
    const method = (options.method ?? 'GET').toUpperCase() as HttpMethod;
    if (!METHODS.has(method))
      throw new TypeError(`Request: unknown HTTP method ${JSON.stringify(options.method)}`);
    const headers = lowerCaseKeys(options.headers ?? {});
    const bodies = [options.body, options.json, options.form].filter((body) => body !== undefined);
    if (bodies.length > 1) throw new TypeError('Request: give one of body, json and form');
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form !== undefined) {
      body = encodeForm(options.form);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const fingerprint = options.uniqueKey ?? requestFingerprint(method, url, body);
    this.url = url;
    this.method = method;
    this.headers = headers;
    this.body = body;
    this.callback = options.callback;
    this.meta = options.meta ?? ({} as Meta);
    this.priority = options.priority ?? 0;
    this.uniqueKey = options.dontFilter ? `${fingerprint}#${randomUUID()}` : fingerprint;
    this.label = options.label ?? url;
    this.group = options.group;
  }

  /** The request as the queue stores it. */
  toJSON(): RequestData {
    const { url, method, headers, body, callback, priority, uniqueKey, label, group } = this;
    return {
      url,
      method,
      headers,
      body,
      callback,
      meta: this.meta as Record<string, unknown>,
      priority,
      uniqueKey,
      label,
      group,
    };
  }

  /** The request again from what the queue stored. */
  static fromJSON(data: RequestData): Request {
    // uniqueKey as stored: the fingerprint (or dontFilter's unique key) it was queued under.
    return new Request(data);
  }
}

/**
 * The default dedupe key: for a GET without a body, the canonical URL (query parameters
 * sorted, no fragment), which is readable in the queue's files; otherwise the method, that URL and a
 * hash of the body, so two POSTs to one URL with different bodies are two requests.
 */
export function requestFingerprint(method: string, url: string, body?: string): string {
  const canonical = new URL(url);
  canonical.hash = '';
  canonical.searchParams.sort();
  if (method === 'GET' && !body) return canonical.href;
  const digest = createHash('sha256')
    .update(body ?? '')
    .digest('hex')
    .slice(0, 20);
  return `${method} ${canonical.href} ${digest}`;
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Request: ${JSON.stringify(url)} is not an absolute URL (use response.follow for relative ones)`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`Request: ${JSON.stringify(url)} is not an http(s) URL`);
  return parsed.href;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
}

function encodeForm(form: FormData): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, String(one));
  }
  return params.toString();
}
