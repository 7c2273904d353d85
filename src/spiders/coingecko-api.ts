/**
 * What every CoinGecko spider needs to know about the API: hosts and key headers per plan, and how
 * to read its error answers (their shapes vary: `{"error":"..."}`, `{"status":{...}}`,
 * `{"error":{"status":{...}}}`, a Cloudflare HTML page, or a 429 body under status 200).
 */
import { IgnoreRequest, RateLimited, RetryRequest } from '../core/errors';
import { parseRetryAfter } from '../core/retry-after';
import type { Response } from '../core/response';
import type { ApiPlan, Settings } from '../settings';

export const PUBLIC_API_URL = 'https://api.coingecko.com/api/v3';
export const PRO_API_URL = 'https://pro-api.coingecko.com/api/v3';

/** Every header a key may travel in: secrets, never stored, dropped on a redirect to another host. */
export const KEY_HEADER_NAMES: readonly string[] = ['x-cg-demo-api-key', 'x-cg-pro-api-key'];

/** API_URL when set, else the plan's host. */
export function apiBaseUrl(settings: Pick<Settings, 'API_URL' | 'API_PLAN'>): string {
  const url = settings.API_URL || (settings.API_PLAN === 'pro' ? PRO_API_URL : PUBLIC_API_URL);
  return url.replace(/\/+$/, '');
}

const KEY_HEADERS: Record<ApiPlan, string | undefined> = {
  public: undefined,
  demo: 'x-cg-demo-api-key',
  pro: 'x-cg-pro-api-key',
};

/**
 * Published rate limits, in requests per minute, per plan (see the README, "Rate limits"):
 * - public (no key): "5 to 15 calls per minute, depending on usage conditions worldwide" (CoinGecko,
 *   2024); the low end, since the limit is shared by everyone on the same IP.
 * - demo (free key): "~30 calls per minute" (CoinGecko docs, common errors and rate limit, 2025;
 *   `x-ratelimit-limit: 30` seen on keyed answers in 2025-07).
 * - pro (paid key): 500 per minute, the lowest paid plan (Analyst); higher plans set --rate-limit.
 * They apply to CoinGecko's own hosts only: with API_URL set (a proxy, the mock), nothing is assumed.
 */
export const PLAN_RATE_LIMITS: Readonly<Record<ApiPlan, number>> = { public: 5, demo: 30, pro: 500 };

export function planRateLimit(settings: Pick<Settings, 'API_URL' | 'API_PLAN'>): number {
  return settings.API_URL ? 0 : PLAN_RATE_LIMITS[settings.API_PLAN];
}

/** The key header for the plan (none without a key). A key without a plan is sent as a demo key. */
export function apiKeyHeaders(settings: Pick<Settings, 'API_KEY' | 'API_PLAN'>): Record<string, string> {
  if (!settings.API_KEY) return {};
  const header = KEY_HEADERS[settings.API_PLAN] ?? KEY_HEADERS.demo;
  return { [header as string]: settings.API_KEY };
}

/** The JSON body as an object, or undefined when the body is not a JSON object. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** CoinGecko's numeric error code, wherever the body shape put it. */
export function errorCode(body: Record<string, unknown> | undefined): number | undefined {
  const status = (body?.status ?? (body?.error as Record<string, unknown> | undefined)?.status) as
    Record<string, unknown> | undefined;
  return typeof status?.error_code === 'number' ? status.error_code : undefined;
}

const MESSAGES: Record<number, string> = {
  10012: 'dates older than 365 days need a paid API key; set COINGECKO_API_KEY and COINGECKO_API_PLAN=pro',
  10002: 'API key missing or rejected; check COINGECKO_API_KEY and COINGECKO_API_PLAN',
  10010: 'a pro API key was sent to the public host; set COINGECKO_API_PLAN=pro (or leave --api-url unset)',
  10011: 'a demo API key was sent to the pro host; set COINGECKO_API_PLAN=demo',
  10005: 'this endpoint is not included in your API plan',
};

/**
 * Throws what an answer means when it is not data: RateLimited, IgnoreRequest (with the right scope)
 * or RetryRequest (a body that isn't the JSON object we expect). Returns the JSON body otherwise.
 */
export function readApiAnswer(response: Response<object>, coinId: string): Record<string, unknown> {
  const body = jsonObject(response.text);
  const code = errorCode(body);
  if (code === 429 || (body === undefined && /rate.?limit|error 1015/i.test(response.text))) {
    throw new RateLimited(
      `rate-limit answer under HTTP ${response.status}`,
      parseRetryAfter(response.headers['retry-after']),
    );
  }
  if (response.status === 404) {
    const notFound = body?.error === 'coin not found';
    throw new IgnoreRequest(notFound ? `coin not found: ${coinId}` : `HTTP 404 for ${coinId}`, {
      scope: notFound ? 'group' : 'request',
    });
  }
  if (code !== undefined && MESSAGES[code]) {
    // A rejected key or a wrong host fails every request alike: stop the crawl instead of repeating it.
    throw new IgnoreRequest(MESSAGES[code], { scope: code === 10012 ? 'request' : 'crawl' });
  }
  if (response.status >= 400) {
    const detail = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new IgnoreRequest(`refused by the API: ${detail}`, {
      scope: response.status === 401 ? 'crawl' : 'request',
    });
  }
  if (body === undefined) throw new RetryRequest('malformed_body', 'the body is not a JSON object');
  return body;
}
