// Why: every answer the mock can give is described as a plain Reply value, with the exact bodies of the real
// API (copied from the fixtures once at load), so routes stay pure and the server only writes bytes.
import { STATUS_CODES } from 'http';
import { readFixtureJson, readFixtureText } from './fixtures';

export type Outcome = 'ok' | 'nodata' | 'ratelimited' | 'fault' | 'error';
export type RateLimitForm = 'json' | 'cloudflare' | 'status200';

export interface Reply {
  status: number;
  body: string;
  contentType: string;
  outcome: Outcome;
  headers?: Record<string, string>;
  /** ISO date of the request's data, for the request record. */
  date?: string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=UTF-8';

export function jsonReply(status: number, body: string, outcome: Outcome): Reply {
  return { status, body, contentType: JSON_TYPE, outcome };
}

export const BODIES = {
  ping: '{"gecko_says":"(V3) To the Moon!"}',
  notFound: '{"error":"Not Found"}',
  coinNotFound: readFixtureText('error_404_coin_not_found.json').trim(),
  invalidDate: readFixtureText('error_400_invalid_date_legacy.json').trim(),
  rateLimited: readFixtureText('error_429.json').trim(),
  cloudflare1015: readFixtureText('error_cloudflare_1015_rate_limited.html'),
};

const MSG_10012 = readFixtureJson<{ error: { status: { error_message: string } } }>(
  'error_401_10012_exceeds_365_days.json',
).error.status.error_message;
// The source capture of this message is cut after "please v…"; the rest follows the docs' URL pattern.
const MSG_10002 =
  "API Key Missing. Please make sure you're using the right authentication method. For Pro API, please " +
  'visit: https://docs.coingecko.com/reference/authentication. For Public/Demo API, please visit: ' +
  'https://docs.coingecko.com/v3.0.1/reference/authentication';

/** CoinGecko's timestamp form: 2024-04-20T22:00:05.123+00:00. */
function timestamp(now: number): string {
  return new Date(now).toISOString().replace('Z', '+00:00');
}

export const NOT_FOUND = jsonReply(404, BODIES.notFound, 'error');
export const COIN_NOT_FOUND = jsonReply(404, BODIES.coinNotFound, 'error');
export const INVALID_DATE = jsonReply(400, BODIES.invalidDate, 'error');

/** 401 for dates older than 365 days on the public/demo plans (error_code 10012, nested shape). */
export function exceeds365Reply(now: number): Reply {
  const status = { timestamp: timestamp(now), error_code: 10012, error_message: MSG_10012 };
  return jsonReply(401, JSON.stringify({ error: { status } }), 'error');
}

/** 401 for a missing or wrong API key (error_code 10002). */
export function keyMissingReply(now: number): Reply {
  const status = { timestamp: timestamp(now), error_code: 10002, error_message: MSG_10002 };
  return jsonReply(401, JSON.stringify({ status }), 'error');
}

/** A refusal by the rate limiter, in one of the three forms seen in the wild. */
export function rateLimitReply(form: RateLimitForm, retryAfterSec: number | undefined): Reply {
  const reply: Reply =
    form === 'cloudflare'
      ? { status: 429, body: BODIES.cloudflare1015, contentType: HTML_TYPE, outcome: 'ratelimited' }
      : form === 'status200'
        ? jsonReply(200, BODIES.rateLimited, 'ratelimited')
        : { status: 429, body: BODIES.rateLimited, contentType: 'application/json', outcome: 'ratelimited' };
  if (retryAfterSec !== undefined) reply.headers = { 'retry-after': String(retryAfterSec) };
  return reply;
}

function statusBody(code: number, message: string): string {
  return JSON.stringify({ status: { error_code: code, error_message: message } });
}

/** A random or forced '5xx' fault: JSON for 500/503, a Cloudflare-style HTML page for 502/504. */
export function error5xxReply(status: number): Reply {
  const reason = STATUS_CODES[status] ?? 'Error';
  if (status === 502 || status === 504) {
    const body = `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center><hr><center>cloudflare</center></body></html>\n`;
    return { status, body, contentType: HTML_TYPE, outcome: 'fault' };
  }
  return jsonReply(status, statusBody(status, reason), 'fault');
}

/** failNext(count, status): that status with a JSON error body (the real 429 body for 429). */
export function forcedStatusReply(status: number): Reply {
  if (status === 429) return { ...rateLimitReply('json', 1), outcome: 'fault' };
  const reason = STATUS_CODES[status] ?? 'Error';
  return jsonReply(status, statusBody(status, reason), 'fault');
}
