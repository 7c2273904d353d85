/**
 * DOWNLOAD_HANDLER=got-scraping: sends through Crawlee's got-scraping, which makes a request look
 * like a browser's (generated browser headers, a browser's TLS ciphers and HTTP/2 where the server
 * offers it). For web pages that turn away plain clients; the lean `http` handler stays the
 * default for JSON APIs (see download-handler.ts). The same contract as HttpClient: any status is
 * an answer, a network failure an HttpError; redirects are left to the redirect middleware.
 *
 * got-scraping is ESM-only: `gotScraping` from @crawlee/utils loads it with a dynamic import() on
 * first use, which works from this CommonJS build.
 */
import { gotScraping } from '@crawlee/utils';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpClientOptions, HttpError, HttpRequest, HttpResponse } from './http-client';
import { NoProxy, redactUrl } from './proxy';

export class GotScrapingClient {
  private readonly noProxy: NoProxy;

  constructor(private readonly options: Pick<HttpClientOptions, 'timeoutMs' | 'proxy'>) {
    this.noProxy = new NoProxy(options.proxy?.noProxy ?? '');
  }

  async request(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`cannot request ${redactUrl(url.href)}: only http:// and https:// URLs`);
    const proxy = this.options.proxy;
    const proxyUrl =
      proxy && !this.noProxy.matches(url)
        ? (url.protocol === 'https:' ? proxy.httpsProxy : proxy.httpProxy) || undefined
        : undefined;
    try {
      const answer = await gotScraping({
        url: request.url,
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body,
        proxyUrl,
        signal,
        responseType: 'buffer',
        throwHttpErrors: false,
        followRedirect: false,
        decompress: true,
        retry: { limit: 0 },
        timeout: { request: this.options.timeoutMs },
      });
      return {
        url: request.url,
        status: answer.statusCode,
        headers: answer.headers as IncomingHttpHeaders,
        body: answer.body as Buffer,
        redirectUrls: [],
      };
    } catch (error) {
      throw toHttpError(error, url);
    }
  }

  /** got-scraping keeps no connections of ours to close. */
  close(): void {}
}

/** got's errors as HttpError: its `code` (ETIMEDOUT, ECONNREFUSED, ...), a cut body as ECONNRESET. */
function toHttpError(error: unknown, url: URL): HttpError {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  let mapped = code && /^[A-Z_]+$/.test(code) ? code : 'ECONNRESET';
  if (name === 'TimeoutError') mapped = 'ETIMEDOUT';
  if (name === 'AbortError' || code === 'ABORT_ERR') mapped = 'ABORT_ERR';
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || name === 'ReadError') mapped = 'ECONNRESET';
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR__ERROR_FORMAT_PADDING')
    mapped = 'EDECOMPRESS';
  // got's messages may quote the URL (with its query): name the host only.
  const reason = (message ?? String(error)).split(url.href).join(url.host);
  return new HttpError(mapped, `${url.host}: ${reason}`, { cause: error });
}
