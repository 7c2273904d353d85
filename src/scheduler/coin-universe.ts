/**
 * Which coins a market-wide backfill covers: the top N by market cap (the `coingecko_top` spider's
 * ranking, `/coins/markets` pages of 250) or every id CoinGecko lists (`/coins/list`, one request).
 * A handful of requests, sent before any job is queued, spaced at the plan's rate (or RATE_LIMIT),
 * with the API key's header; a 429 is waited out (its `retry-after`, else a doubling pause) and a
 * 5xx or a network error retried, as a crawl does, within the same budgets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient, HttpResponse } from '../core/http-client';
import type { Settings } from '../settings';
import { apiBaseUrl, apiKeyHeaders, KEY_HEADER_NAMES, planRateLimit } from '../spiders/coingecko-api';
import { coinIdsOf, MARKETS_PAGE_SIZE, marketsPageUrl } from '../spiders/coingecko-top';

/** The top `top` coins by market cap, or `all` of `/coins/list`. */
export type CoinUniverse = { top: number } | { all: true };

/** The coin ids, in rank order for `top`, in the list's order for `all`. */
export async function fetchCoinIds(settings: Settings, universe: CoinUniverse): Promise<string[]> {
  const client = new HttpClient({
    timeoutMs: settings.DOWNLOAD_TIMEOUT * 1000,
    redirect: { enabled: settings.REDIRECT_ENABLED, maxTimes: settings.REDIRECT_MAX_TIMES },
    secretHeaders: [...KEY_HEADER_NAMES],
    proxy: { httpProxy: settings.HTTP_PROXY, httpsProxy: settings.HTTPS_PROXY, noProxy: settings.NO_PROXY },
  });
  const get = spacedGetter(client, settings);
  const base = apiBaseUrl(settings);
  try {
    if ('all' in universe) return coinIdsOf(await get(`${base}/coins/list`), '/coins/list');
    const ids: string[] = [];
    const perPage = Math.min(MARKETS_PAGE_SIZE, universe.top);
    for (let page = 1; ids.length < universe.top; page++) {
      const entries = await get(marketsPageUrl(base, page, perPage));
      ids.push(...coinIdsOf(entries, '/coins/markets'));
      // A short page is the ranking's end.
      if (entries.length < perPage) break;
    }
    return [...new Set(ids)].slice(0, universe.top);
  } finally {
    client.close();
  }
}

/** GET of a JSON array, spaced at the rate limit, with the crawl's retry budgets. */
function spacedGetter(client: HttpClient, settings: Settings): (url: string) => Promise<unknown[]> {
  const perMinute = settings.RATE_LIMIT || planRateLimit(settings) || 0;
  const intervalMs = perMinute > 0 ? 60_000 / perMinute : 0;
  let nextAt = 0;
  const headers = {
    accept: 'application/json',
    'user-agent': settings.USER_AGENT,
    ...apiKeyHeaders(settings),
  };
  return async (url) => {
    let rateLimited = 0;
    let failed = 0;
    for (;;) {
      const wait = nextAt - Date.now();
      if (wait > 0) await sleep(wait);
      nextAt = Date.now() + intervalMs;
      let response: HttpResponse | undefined;
      let problem: string;
      try {
        response = await client.request({ method: 'GET', url, headers });
        problem = `HTTP ${response.status}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      const path = new URL(url).pathname.replace(/^.*\/coins\//, '/coins/');
      if (response?.status === 429) {
        if (++rateLimited > settings.RATE_LIMIT_RETRY_TIMES)
          throw new Error(`${path}: still 429 after retries`);
        const told = Number(response.headers['retry-after']);
        const pauseS =
          Number.isFinite(told) && told >= 0
            ? told
            : Math.min(
                settings.RATE_LIMIT_BACKOFF_MAX,
                settings.RATE_LIMIT_BACKOFF_BASE * 2 ** (rateLimited - 1),
              );
        nextAt = Math.max(nextAt, Date.now() + pauseS * 1000);
        continue;
      }
      if (response?.status === 200) {
        const body = parseJson(response.body.toString('utf8'));
        if (Array.isArray(body)) return body;
        problem = 'the answer is not a JSON array';
      } else if (response && !settings.RETRY_HTTP_CODES.includes(response.status)) {
        throw new Error(
          `${path} answered HTTP ${response.status}: ${response.body.toString('utf8').slice(0, 200)}`,
        );
      }
      if (!settings.RETRY_ENABLED || ++failed > settings.RETRY_TIMES)
        throw new Error(`${path}: ${problem} (after ${failed} tries)`);
      await sleep(
        Math.min(settings.RETRY_BACKOFF_MAX, settings.RETRY_BACKOFF_BASE * 2 ** (failed - 1)) * 1000,
      );
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
