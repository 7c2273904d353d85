/**
 * One HTTP GET through got-scraping, answered as plain data. Never throws for an HTTP status (the
 * retry policy reads statuses); throws only for network failures, timeouts and cut-off bodies.
 */
import { gotScraping } from '@crawlee/utils';

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequestOptions {
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * got-scraping is ESM-only and loaded on first use. Loading it before the crawl keeps the first
 * requests from being held back by the import and then sent together, which would break the spacing
 * of a told rate limit.
 */
export async function loadHttpClient(): Promise<void> {
  await import('got-scraping');
}

export async function httpGet(
  url: string,
  { headers, timeoutMs }: HttpRequestOptions,
): Promise<HttpResponse> {
  const response = await gotScraping({
    url,
    method: 'GET',
    headers,
    // The API is not a browser page: generated browser headers only cost CPU here.
    useHeaderGenerator: false,
    responseType: 'text',
    throwHttpErrors: false,
    followRedirect: true,
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
  });
  return { url, status: response.statusCode, headers: response.headers, body: response.body as string };
}

/** A short, stable name for a network failure, used in stats keys and messages (`ECONNRESET`, `timeout`). */
export function networkErrorReason(error: unknown): string {
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout';
  if (code && /^[A-Z_]+$/.test(code) && code !== 'ERR_GOT_REQUEST_ERROR') return code;
  if (name === 'ReadError') return 'read_error';
  return name && name !== 'Error' ? name : 'network_error';
}
