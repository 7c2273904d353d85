/**
 * Sends one spider request (any method, headers, an encoded body) and answers with plain data: the
 * final URL, status, headers and the decompressed body. Follows redirects as Scrapy's
 * RedirectMiddleware does, asks for and decodes gzip, deflate and brotli, and goes through
 * HTTP_PROXY/HTTPS_PROXY unless NO_PROXY says otherwise (see proxy.ts). Never throws for an HTTP
 * status (the retry policy reads statuses); throws HttpError for network failures, timeouts, cut-off
 * or corrupt bodies and aborts, and TooManyRedirects for a redirect loop.
 *
 * Node's own http/https with keep-alive agents: for a JSON API this does all got-scraping does for
 * us (its browser-like headers and TLS fingerprints are for web pages), at a third of its CPU per
 * request, which is most of what a crawl of cached daily snapshots spends. So the path of a plain
 * request stays short: one agent per protocol and per proxy, one headers object per request, the
 * body decoded in one call once it is all in.
 */
import http, { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import zlib from 'node:zlib';
import { ProxyRoute, ProxyRoutes, ProxySettings, redactUrl } from './proxy';

export type { ProxySettings } from './proxy';

export interface HttpRequest {
  /** `GET`, `POST`, ...: sent as given. */
  method: string;
  /** Absolute http:// or https:// URL. */
  url: string;
  /** Header names in lowercase. `host`, `connection` and `content-length` are set for you when absent. */
  headers: Record<string, string>;
  /** The body, already encoded by the caller (JSON or form), with its content-type in `headers`. */
  body?: string | Buffer;
}

export interface HttpClientOptions {
  /** One deadline per hop (each redirect is a hop), from sending the request to the body's last byte. */
  timeoutMs: number;
  /**
   * Redirects, as Scrapy's REDIRECT_ENABLED and REDIRECT_MAX_TIMES (default 20). Disabled, a 3xx is
   * returned as any other answer. More than `maxTimes` redirects throw TooManyRedirects.
   */
  redirect: { enabled: boolean; maxTimes: number };
  /**
   * Header names to drop when a redirect leaves the request's origin (e.g. an API key header), besides
   * authorization, cookie and proxy-authorization, which are always dropped. Any case.
   */
  secretHeaders?: string[];
  /** Proxies, as the HTTP_PROXY/HTTPS_PROXY/NO_PROXY environment variables give them. Default: none. */
  proxy?: ProxySettings;
  /**
   * Certificates to trust for https:// servers and proxies INSTEAD of the system's root certificates:
   * for tests and self-signed servers only (a public server's certificate then fails to verify).
   */
  ca?: SecureContextOptions['ca'];
  /**
   * Default true: send `accept-encoding: gzip, deflate, br` (unless the request sets accept-encoding)
   * and decode the body by its content-encoding. False: send no accept-encoding of our own and return
   * the body as it came.
   */
  decompress?: boolean;
}

export interface HttpResponse {
  /** The final URL, after redirects (the request's URL as given when there were none). */
  url: string;
  status: number;
  /** As received: `content-encoding` is kept though `body` is decoded. */
  headers: IncomingHttpHeaders;
  /** Decoded from gzip, deflate (zlib or raw) or br; any other encoding as it came. */
  body: Buffer;
  /**
   * The URLs that answered with a redirect, in order, starting with the request's own URL (Scrapy's
   * `redirect_urls`); empty without redirects. `url` is where they led.
   */
  redirectUrls: string[];
}

/**
 * A request that got no full answer. `code` says why, as Node's errors do: ETIMEDOUT (name
 * TimeoutError), ECONNRESET for a body cut off, EDECOMPRESS for a body that doesn't decode (a
 * malformed body: worth a retry), ABORT_ERR (name AbortError) for an aborted signal, ECONNREFUSED,
 * ENOTFOUND, a TLS code (e.g. DEPTH_ZERO_SELF_SIGNED_CERT) and so on.
 */
export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = code === 'ETIMEDOUT' ? 'TimeoutError' : code === 'ABORT_ERR' ? 'AbortError' : 'RequestError';
  }
}

/** More redirects than REDIRECT_MAX_TIMES: a loop, or a site that wants cookies. Not worth a retry. */
export class TooManyRedirects extends Error {
  override name = 'TooManyRedirects';
}

/** A hop's answer: a response to return, or a redirect to follow (its body already drained). */
type Hop =
  { status: number; headers: IncomingHttpHeaders; body: Buffer } | { redirectTo: URL; status: number };

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Sent along to the request's own origin only. */
const ALWAYS_SECRET = ['authorization', 'cookie', 'proxy-authorization'];
const ACCEPT_ENCODING = 'gzip, deflate, br';

export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly proxies: ProxyRoutes | undefined;
  private readonly secretHeaders: ReadonlySet<string>;
  private readonly decompress: boolean;

  constructor(private readonly options: HttpClientOptions) {
    // Idle connections are dropped after 4 s, before a server's usual 5 s keep-alive timeout can
    // close one just as a request is sent on it.
    const agentOptions = { keepAlive: true, timeout: 4000 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    const { proxy } = options;
    if (proxy && (proxy.httpProxy || proxy.httpsProxy)) {
      // `ca` here is for an https:// proxy; for https:// targets it goes with each request (below),
      // which is where the tunnelling agent reads it.
      this.proxies = new ProxyRoutes(proxy, options.ca ? { ...agentOptions, ca: options.ca } : agentOptions);
    }
    this.secretHeaders = new Set([
      ...ALWAYS_SECRET,
      ...(options.secretHeaders ?? []).map((name) => name.toLowerCase()),
    ]);
    this.decompress = options.decompress ?? true;
  }

  /**
   * Sends `request`, following redirects. Resolves with any HTTP status; rejects with HttpError (an
   * AbortError when `signal` aborts) or TooManyRedirects.
   */
  async request(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    let url = new URL(request.url);
    let { method, body } = request;
    let headers = this.firstHopHeaders(request);
    const { redirect } = this.options;
    const redirectUrls: string[] = [];
    for (;;) {
      const hop = await this.send(url, method, headers, body, signal);
      if (!('redirectTo' in hop)) {
        const finalUrl = redirectUrls.length === 0 ? request.url : url.href;
        return { url: finalUrl, status: hop.status, headers: hop.headers, body: hop.body, redirectUrls };
      }
      if (redirectUrls.length >= redirect.maxTimes) {
        throw new TooManyRedirects(
          `more than ${redirect.maxTimes} redirects (REDIRECT_MAX_TIMES), the last to ${redactUrl(hop.redirectTo.href)}: ` +
            'a redirect loop, or raise REDIRECT_MAX_TIMES',
        );
      }
      redirectUrls.push(redirectUrls.length === 0 ? request.url : url.href);
      // 301/302/303 turn into a GET without body, as browsers and Scrapy do; 307/308 resend as is.
      if ((hop.status === 301 || hop.status === 302 || hop.status === 303) && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length', 'transfer-encoding']);
      }
      if (hop.redirectTo.origin !== url.origin) {
        headers = withoutHeaders(headers, ['host', ...this.secretHeaders]);
      }
      url = hop.redirectTo;
    }
  }

  /** Destroys the keep-alive agents' sockets; requests sent after this open new ones. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.proxies?.close();
  }

  /** The caller's headers plus accept-encoding and content-length where they are missing. */
  private firstHopHeaders({ headers, body }: HttpRequest): Record<string, string> {
    const addEncoding = this.decompress && headers['accept-encoding'] === undefined;
    const addLength =
      body !== undefined &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined;
    if (!addEncoding && !addLength) return headers;
    const result = { ...headers };
    if (addEncoding) result['accept-encoding'] = ACCEPT_ENCODING;
    if (addLength) result['content-length'] = String(Buffer.byteLength(body as string | Buffer));
    return result;
  }

  /** One hop: one request, one answer. A redirect this client follows is drained, not read. */
  private send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Hop> {
    return new Promise<Hop>((resolve, reject) => {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`cannot request ${redactUrl(url.href)}: only http:// and https:// URLs`));
        return;
      }
      if (signal?.aborted) {
        reject(abortError(url, signal));
        return;
      }
      const secure = url.protocol === 'https:';
      const route = this.proxies?.routeFor(url);
      const agent = route?.agent ?? (secure ? this.httpsAgent : this.httpAgent);
      const client = secure ? https : http;

      let settled = false;
      const finish = (error: Error | undefined, hop?: Hop) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy();
          reject(error);
        } else {
          resolve(hop as Hop);
        }
      };
      const onAbort = () => finish(abortError(url, signal as AbortSignal));

      const { ca } = this.options;
      const req = client.request(
        url,
        secure && ca ? { method, headers, agent, ca } : { method, headers, agent },
        (response) => {
          const status = response.statusCode ?? 0;
          response.on('error', (error) => finish(networkError(error, url, route)));
          response.on('close', () => {
            if (!response.complete) {
              finish(
                new HttpError(
                  'ECONNRESET',
                  `${where(url, route)}: the connection closed before the body ended`,
                ),
              );
            }
          });
          const redirectTo = this.redirectTarget(status, response.headers.location, url);
          if (redirectTo) {
            // Read to the end so the socket goes back to the agent for the next hop.
            response.resume();
            response.on('end', () => finish(undefined, { redirectTo, status }));
            return;
          }
          const chunks: Buffer[] = [];
          let length = 0;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            length += chunk.length;
          });
          response.on('end', () => {
            const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
            const encoding = response.headers['content-encoding'];
            let decoded: Buffer;
            try {
              decoded = this.decompress && encoding && length > 0 ? decode(raw, encoding) : raw;
            } catch (error) {
              finish(
                new HttpError(
                  'EDECOMPRESS',
                  `${where(url, route)}: the ${encoding} body does not decode (${(error as Error).message}); ` +
                    'a malformed answer, worth a retry',
                  { cause: error },
                ),
              );
              return;
            }
            finish(undefined, { status, headers: response.headers, body: decoded });
          });
        },
      );
      req.on('error', (error) => finish(networkError(error, url, route)));
      const timer = setTimeout(
        () =>
          finish(
            new HttpError(
              'ETIMEDOUT',
              `${where(url, route)}: no full answer in ${this.options.timeoutMs} ms`,
            ),
          ),
        this.options.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  /** Where a redirect answer leads, if this client follows it: an http(s) Location, redirects enabled. */
  private redirectTarget(status: number, location: string | undefined, url: URL): URL | undefined {
    if (!this.options.redirect.enabled || !REDIRECT_STATUSES.has(status) || !location) return undefined;
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      return undefined;
    }
    return target.protocol === 'http:' || target.protocol === 'https:' ? target : undefined;
  }
}

/** Decodes a body by its content-encoding (a list is undone last first); unknown encodings stay as they are. */
function decode(body: Buffer, contentEncoding: string): Buffer {
  const encodings = contentEncoding.includes(',') ? contentEncoding.split(',').reverse() : [contentEncoding];
  let result = body;
  for (const encoding of encodings) {
    switch (encoding.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        result = zlib.gunzipSync(result);
        break;
      case 'deflate':
        // Meant to be zlib-wrapped (RFC 9110), but some servers send raw deflate: a zlib stream
        // starts with a header byte 0x?8 whose 16-bit header is a multiple of 31.
        result =
          (result[0] & 0x0f) === 8 && result.readUInt16BE(0) % 31 === 0
            ? zlib.inflateSync(result)
            : zlib.inflateRawSync(result);
        break;
      case 'br':
        result = zlib.brotliDecompressSync(result);
        break;
    }
  }
  return result;
}

/** Keeps headers not in `names` (lowercase); the original object is left alone. */
function withoutHeaders(headers: Record<string, string>, names: Iterable<string>): Record<string, string> {
  const drop = new Set(names);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!drop.has(name.toLowerCase())) result[name] = value;
  }
  return result;
}

/** The host a message names (not the URL: its query may carry an API key), and the proxy if any. */
function where(url: URL, route: ProxyRoute | undefined): string {
  return route ? `${url.host} through proxy ${route.proxy}` : url.host;
}

function networkError(error: Error, url: URL, route: ProxyRoute | undefined): HttpError {
  if (error instanceof HttpError) return error;
  const { code } = error as { code?: string };
  return new HttpError(code ?? 'ECONNRESET', `${where(url, route)}: ${error.message}`, { cause: error });
}

function abortError(url: URL, signal: AbortSignal): HttpError {
  return new HttpError('ABORT_ERR', `${url.host}: the request was aborted`, { cause: signal.reason });
}

/** A short, stable name for a network failure, used in stats keys and messages (`ECONNRESET`, `timeout`). */
export function networkErrorReason(error: unknown): string {
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout';
  if (code && /^[A-Z_]+$/.test(code)) return code;
  return name && name !== 'Error' ? name : 'network_error';
}
