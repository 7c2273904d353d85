// Why: spiders discover coins through /coins/markets pages and then crawl each coin's history; these tests
// pin the paging, the entry shape of the real answer, the filters and errors, and that every listed coin
// (the generated ones too) is served by the data routes, behind the same key check, rate limit and faults.
import {
  GENERATED_FIRST_DATE,
  generatedCoinRow,
  loadCsvPrices,
  MARKETS_DATE,
  startMockApi,
  type MarketEntry,
  type MockApi,
} from './server';
import { getJson } from './test-helpers';

type Payload = {
  id: string;
  market_data?: Record<'current_price' | 'market_cap' | 'total_volume', Record<string, number | null>>;
};
type Chart = Record<'prices' | 'market_caps' | 'total_volumes', [number, number][]>;

/** The keys of /work/shared/coingecko/coins_markets_example.json, in its order. */
const EXAMPLE_KEYS = [
  'id', 'symbol', 'name', 'image', 'current_price', 'market_cap', 'market_cap_rank', 'fully_diluted_valuation',
  'total_volume', 'high_24h', 'low_24h', 'price_change_24h', 'price_change_percentage_24h', 'market_cap_change_24h',
  'market_cap_change_percentage_24h', 'circulating_supply', 'total_supply', 'max_supply', 'ath',
  'ath_change_percentage', 'ath_date', 'atl', 'atl_change_percentage', 'atl_date', 'roi', 'last_updated',
]; // prettier-ignore
const STRINGS = ['id', 'symbol', 'name', 'image', 'last_updated'];
const DATES = ['ath_date', 'atl_date'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi({ today: '2024-12-20' });
});
afterAll(() => api.close());

const markets = (query: string, base = api.url) =>
  getJson<MarketEntry[] & { error?: string }>(`${base}/coins/markets?${query}`);
const page = async (n: number, extra = ''): Promise<MarketEntry[]> => {
  const res = await markets(`vs_currency=usd&order=market_cap_desc&per_page=250&page=${n}${extra}`);
  expect(res.status).toBe(200);
  return res.json;
};

describe('paging', () => {
  test('600 coins in rank order: pages of 250, 250 and 100, then []', async () => {
    const [p1, p2, p3, p4] = [await page(1), await page(2), await page(3), await page(4)];
    expect([p1.length, p2.length, p3.length]).toEqual([250, 250, 100]);
    expect(p4).toEqual([]);
    expect((await page(1000)).length).toBe(0);
    const all = [...p1, ...p2, ...p3];
    expect(all.map((e) => e.market_cap_rank)).toEqual(all.map((_, i) => i + 1));
    expect(all.slice(0, 6).map((e) => e.id)).toEqual([
      'bitcoin', 'ethereum', 'cardano', 'mockcoin', 'gen-coin-0001', 'gen-coin-0002',
    ]); // prettier-ignore
    expect(p2[0].id).toBe('gen-coin-0247');
    expect(all.at(-1)!.id).toBe('gen-coin-0596');
    expect(new Set(all.map((e) => e.id)).size).toBe(600);
    for (let i = 1; i < all.length; i++) expect(all[i].market_cap!).toBeLessThan(all[i - 1].market_cap!);
  });

  test('per_page defaults to 100 and page to 1; smaller pages tile the same order', async () => {
    const res = await markets('vs_currency=usd');
    expect(res.json).toHaveLength(100);
    expect(res.json[99].market_cap_rank).toBe(100);
    const small = await markets('vs_currency=usd&per_page=7&page=3');
    expect(small.json.map((e) => e.market_cap_rank)).toEqual([15, 16, 17, 18, 19, 20, 21]);
  });

  test('other orders: market_cap_asc, id_asc, id_desc, volume_desc', async () => {
    const ids = async (order: string) =>
      (await markets(`vs_currency=usd&order=${order}&per_page=3`)).json.map((e) => e.id);
    expect(await ids('market_cap_asc')).toEqual(['gen-coin-0596', 'gen-coin-0595', 'gen-coin-0594']);
    expect(await ids('id_asc')).toEqual(['bitcoin', 'cardano', 'ethereum']);
    expect(await ids('id_desc')).toEqual(['mockcoin', 'gen-coin-0596', 'gen-coin-0595']);
    expect(await ids('volume_desc')).toEqual(['bitcoin', 'ethereum', 'cardano']);
    const byVolume = (await markets('vs_currency=usd&order=volume_desc&per_page=250&page=2')).json;
    for (let i = 1; i < byVolume.length; i++)
      expect(byVolume[i].total_volume!).toBeLessThanOrEqual(byVolume[i - 1].total_volume!);
  });
});

describe('entries', () => {
  test('every field of the real example, in its order, with its type', async () => {
    const all = [...(await page(1)), ...(await page(2)), ...(await page(3))];
    for (const e of all) {
      expect(Object.keys(e)).toEqual(EXAMPLE_KEYS);
      for (const key of EXAMPLE_KEYS) {
        const v = (e as unknown as Record<string, unknown>)[key];
        if (STRINGS.includes(key)) expect(typeof v).toBe('string');
        else if (DATES.includes(key)) expect(v).toMatch(ISO_TIME);
        else if (key === 'roi') {
          if (v !== null)
            expect(v).toEqual({ times: expect.any(Number), currency: 'usd', percentage: expect.any(Number) });
        } else if (v !== null) expect(Number.isFinite(v)).toBe(true);
      }
      expect(e.current_price).toBeGreaterThan(0);
      expect(e.market_cap).toBeGreaterThan(0);
      expect(e.total_volume).toBeGreaterThan(0);
      expect(e.high_24h!).toBeGreaterThanOrEqual(e.current_price!);
      expect(e.low_24h!).toBeLessThanOrEqual(e.current_price!);
      expect(e.ath!).toBeGreaterThanOrEqual(e.current_price!);
      expect(e.atl!).toBeLessThanOrEqual(e.current_price!);
      expect(e.last_updated).toBe(`${MARKETS_DATE}T00:00:00.000Z`);
      expect(e.image).toMatch(/^https:\/\/assets\.coingecko\.com\/coins\/images\/\d+\/large\/.+\.png\?\d+$/);
    }
    // Small coins miss some values, as in the real answer.
    expect(all.some((e) => e.total_supply === null && e.fully_diluted_valuation === null)).toBe(true);
    expect(all.some((e) => e.max_supply !== null && e.id.startsWith('gen-'))).toBe(true);
  });

  test('values come from the same daily rows as /history (bitcoin: the CSV of 2024-12-20)', async () => {
    const [btc] = (await markets('vs_currency=usd&ids=bitcoin')).json;
    const csv = loadCsvPrices('bitcoin').get(MARKETS_DATE)!;
    expect(btc).toMatchObject({ id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', market_cap_rank: 1 });
    expect(btc.current_price).toBe(csv.price);
    expect(btc.market_cap).toBe(Math.round(csv.marketCap!));
    expect(btc.total_volume).toBe(Math.round(csv.volume!));
    expect(btc.max_supply).toBe(21_000_000);
    expect(btc.atl_date).toBe('2013-07-06T00:00:00.000Z'); // 67.809, as in the real example (67.81)
    const gen = (await markets('vs_currency=usd&ids=gen-coin-0042')).json[0];
    expect(gen.current_price).toBe(generatedCoinRow('gen-coin-0042', MARKETS_DATE).price);
    expect(gen.market_cap_rank).toBe(46);
  });

  test('the same request gives the same bytes (deterministic)', async () => {
    const url = 'vs_currency=usd&per_page=250&page=2';
    expect((await markets(url)).text).toBe((await markets(url)).text);
  });
});

describe('filters and errors', () => {
  test('ids filters, keeps the order, pages the result and ignores unknown ids', async () => {
    const ids = 'ids=cardano,gen-coin-0300,bitcoin,not-a-coin';
    const ranked = (await markets(`vs_currency=usd&${ids}`)).json;
    expect(ranked.map((e) => [e.id, e.market_cap_rank])).toEqual([
      ['bitcoin', 1],
      ['cardano', 3],
      ['gen-coin-0300', 304],
    ]);
    const byId = (await markets(`vs_currency=usd&order=id_asc&${ids}`)).json.map((e) => e.id);
    expect(byId).toEqual(['bitcoin', 'cardano', 'gen-coin-0300']);
    const second = (await markets(`vs_currency=usd&per_page=1&page=2&${ids}`)).json.map((e) => e.id);
    expect(second).toEqual(['cardano']);
    expect((await markets('vs_currency=usd&ids=not-a-coin')).json).toEqual([]);
  });

  test.each([
    ['', 'Missing parameter vs_currency'],
    ['per_page=10', 'Missing parameter vs_currency'],
    ['vs_currency=eur', 'invalid vs_currency'],
    ['vs_currency=usd&per_page=0', 'invalid per_page'],
    ['vs_currency=usd&per_page=251', 'invalid per_page'],
    ['vs_currency=usd&per_page=ten', 'invalid per_page'],
    ['vs_currency=usd&page=0', 'invalid page'],
    ['vs_currency=usd&page=-1', 'invalid page'],
    ['vs_currency=usd&order=gecko_desc', 'invalid order'],
  ])('%p => 400 {"error":%p}', async (query, message) => {
    const res = await markets(query);
    expect(res.status).toBe(400);
    expect(res.text).toBe(JSON.stringify({ error: message }));
    expect(api.requests.at(-1)).toMatchObject({
      path: '/api/v3/coins/markets',
      status: 400,
      outcome: 'error',
    });
  });
});

describe('every listed coin is served by the data routes', () => {
  test('a generated coin: /history is a valid payload with its row, none before its first day', async () => {
    const { status, json } = await getJson<Payload>(
      `${api.url}/coins/gen-coin-0250/history?date=01-06-2024&localization=false`,
    );
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual([
      'id', 'symbol', 'name', 'image', 'market_data', 'community_data', 'developer_data', 'public_interest_stats',
    ]); // prettier-ignore
    const row = generatedCoinRow('gen-coin-0250', '2024-06-01');
    expect(json.market_data!.current_price.usd).toBe(row.price);
    expect(json.market_data!.market_cap.usd).toBe(row.marketCap);
    expect(json.market_data!.total_volume.usd).toBe(row.volume);
    expect(json.market_data!.current_price.btc).toBeGreaterThan(0);
    const before = await getJson<Payload>(`${api.url}/coins/gen-coin-0250/history?date=31-12-2019`);
    expect([before.status, before.json.market_data]).toEqual([200, undefined]);
    const first = await getJson<Payload>(
      `${api.url}/coins/gen-coin-0250/history?date=${GENERATED_FIRST_DATE}`,
    );
    expect(first.json.market_data).toBeDefined();
    expect((await getJson(`${api.url}/coins/gen-coin-0597/history?date=01-06-2024`)).status).toBe(404);
  });

  test('the last 365 days of the real today: a daily point for every day, for every page-3 coin', async () => {
    const live = await startMockApi();
    try {
      const to = Math.floor(Date.now() / 86_400_000) * 86_400;
      const from = to - 365 * 86_400;
      for (const id of ['gen-coin-0001', 'gen-coin-0596', 'mockcoin']) {
        const res = await getJson<Chart>(
          `${live.url}/coins/${id}/market_chart/range?vs_currency=usd&from=${from}&to=${to}`,
        );
        expect(res.status).toBe(200);
        expect(res.json.prices).toHaveLength(366);
        expect(res.json.prices[0][0]).toBe(from * 1000);
        expect(res.json.market_caps).toHaveLength(366);
      }
    } finally {
      await live.close();
    }
  });

  test('/coins/list holds every coin of the markets', async () => {
    const list = (await getJson<{ id: string }[]>(`${api.url}/coins/list`)).json.map((c) => c.id);
    const all = [...(await page(1)), ...(await page(2)), ...(await page(3))].map((e) => e.id);
    expect(new Set(list)).toEqual(new Set(all));
  });
});

describe('key, rate limit and faults', () => {
  let guarded: MockApi;
  afterEach(() => guarded?.close());

  test('the API key is checked', async () => {
    guarded = await startMockApi({ plan: 'demo', apiKey: 'CG-k' });
    expect((await markets('vs_currency=usd', guarded.url)).status).toBe(401);
    const ok = await getJson(`${guarded.url}/coins/markets?vs_currency=usd`, { 'x-cg-demo-api-key': 'CG-k' });
    expect(ok.status).toBe(200);
  });

  test('the rate limit applies: the 3rd request in the window gets 429 with retry-after', async () => {
    guarded = await startMockApi({ rateLimit: { limit: 2, windowMs: 5000 } });
    const url = `${guarded.url}/coins/markets?vs_currency=usd&per_page=250&page=1`;
    const res = [await fetch(url), await fetch(url), await fetch(url)];
    expect(res.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(res[2].headers.get('retry-after')).toBe('5');
    expect(guarded.requests.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ratelimited']);
  });

  test('faults apply: failNext(1, 503), then the page', async () => {
    guarded = await startMockApi();
    guarded.failNext(1, 503);
    const url = `${guarded.url}/coins/markets?vs_currency=usd&per_page=2`;
    expect((await fetch(url)).status).toBe(503);
    expect(((await (await fetch(url)).json()) as MarketEntry[]).map((e) => e.id)).toEqual([
      'bitcoin',
      'ethereum',
    ]);
  });
});
