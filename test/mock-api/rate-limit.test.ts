// Why: rate limiting is the API's main hazard; the crawler must recognise all three refusal forms and honour
// retry-after, so their exact statuses, headers and bodies are pinned here.
import { readFileSync } from 'fs';
import { join } from 'path';
import { FIXTURES_DIR } from './fixtures';
import { SlidingWindowLimiter } from './rate-limiter';
import { startMockApi, type MockApi, type RateLimitForm } from './server';
import { sleep } from './test-helpers';

const fixture = (name: string): string => readFileSync(join(FIXTURES_DIR, name), 'utf8');

let api: MockApi;
afterEach(() => api?.close());

async function burst(url: string, n: number): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < n; i++) out.push(await fetch(url));
  return out;
}

async function startLimited(form?: RateLimitForm, sendRetryAfter?: boolean): Promise<string> {
  api = await startMockApi({
    rateLimit: { limit: 3, windowMs: 1000, form, sendRetryAfter },
    today: '2024-12-20',
  });
  return `${api.url}/coins/bitcoin/history?date=01-04-2021&localization=false`;
}

test('json form: the 4th request in the window gets 429, retry-after and the exact body', async () => {
  const url = await startLimited();
  const res = await burst(url, 4);
  expect(res.map((r) => r.status)).toEqual([200, 200, 200, 429]);
  expect(res[3].headers.get('content-type')).toBe('application/json');
  expect(res[3].headers.get('retry-after')).toBe('1');
  expect(await res[3].text()).toBe(fixture('error_429.json').trim());
  expect(api.requests.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ratelimited']);
});

test('after the window passes requests are admitted again; refusals do not extend the ban', async () => {
  const url = await startLimited();
  expect((await burst(url, 6)).map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
  await sleep(1050);
  expect((await burst(url, 4)).map((r) => r.status)).toEqual([200, 200, 200, 429]);
});

test('cloudflare form: 429 with the captured HTML page', async () => {
  const url = await startLimited('cloudflare');
  const res = (await burst(url, 4))[3];
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = await res.text();
  expect(body).toBe(fixture('error_cloudflare_1015_rate_limited.html'));
  expect(body).toContain('You are being rate limited');
});

test('status200 form: HTTP 200 with a 429 status body and no market_data', async () => {
  const url = await startLimited('status200', false);
  const res = (await burst(url, 4))[3];
  expect(res.status).toBe(200);
  expect(res.headers.get('retry-after')).toBeNull();
  const json = (await res.json()) as { status: { error_code: number }; market_data?: unknown };
  expect(json.status.error_code).toBe(429);
  expect(json.market_data).toBeUndefined();
  expect(api.requests[3]).toMatchObject({ status: 200, outcome: 'ratelimited' });
});

test('retry-after counts the seconds until the window admits again, and configure() changes the limit', async () => {
  api = await startMockApi({ rateLimit: { limit: 1, windowMs: 5000 } });
  const res = await burst(`${api.url}/ping`, 2);
  expect(res[1].status).toBe(429);
  expect(res[1].headers.get('retry-after')).toBe('5');
  api.configure({ rateLimit: undefined });
  expect((await burst(`${api.url}/ping`, 5)).every((r) => r.status === 200)).toBe(true);
});

test('SlidingWindowLimiter: admits `limit` per window, retry-after from the oldest admission', () => {
  const limiter = new SlidingWindowLimiter(2, 10_000);
  expect(limiter.admit(0)).toEqual({ admitted: true });
  expect(limiter.admit(4000)).toEqual({ admitted: true });
  expect(limiter.admit(4500)).toEqual({ admitted: false, retryAfterSec: 6 });
  expect(limiter.admit(9999)).toEqual({ admitted: false, retryAfterSec: 1 });
  expect(limiter.admit(10_000)).toEqual({ admitted: true });
  expect(limiter.admit(10_001)).toEqual({ admitted: false, retryAfterSec: 4 });
  expect(limiter.admit(14_000)).toEqual({ admitted: true });
  expect(() => new SlidingWindowLimiter(0, 1000)).toThrow();
});
