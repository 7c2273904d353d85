// Why: checks the mock API's routes over real HTTP against the CSV truth and the captured bodies, so that the
// crawler's tests can rely on it.
import { readFileSync } from 'fs';
import { join } from 'path';
import { FIXTURES_DIR } from './fixtures';
import { loadCsvPrices, mockcoinRow, startMockApi, type MockApi } from './server';
import { getJson, rawGet } from './test-helpers';

type Payload = {
  id: string;
  localization?: Record<string, string>;
  market_data?: Record<'current_price' | 'market_cap' | 'total_volume', Record<string, number | null>>;
};
type Chart = Record<'prices' | 'market_caps' | 'total_volumes', [number, number][]>;

const fixture = (name: string): string => readFileSync(join(FIXTURES_DIR, name), 'utf8');
const template = JSON.parse(fixture('history_bitcoin_01-04-2021_localization_false.DERIVED.json'));

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi({ today: '2024-12-20' });
});
afterAll(() => api.close());

const history = (coin: string, date: string, extra = '&localization=false') =>
  getJson<Payload>(`${api.url}/coins/${coin}/history?date=${date}${extra}`);

describe('/coins/{id}/history', () => {
  test('bitcoin 01-04-2021 serves the CSV values in the real shape', async () => {
    const { status, headers, json } = await history('bitcoin', '01-04-2021');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(json)).toEqual([
      'id', 'symbol', 'name', 'image', 'market_data', 'community_data', 'developer_data', 'public_interest_stats',
    ]); // prettier-ignore
    const md = json.market_data!;
    expect(Object.keys(md)).toEqual(['current_price', 'market_cap', 'total_volume']);
    expect(md.current_price.usd).toBe(58817.3738884188);
    expect(md.market_cap.usd).toBe(1098127310946.8978);
    expect(md.total_volume.usd).toBe(57495844477.9185);
    expect(md.current_price.btc).toBe(1);
    expect(Object.keys(md.current_price)).toEqual(Object.keys(template.market_data.current_price));
    expect(md.current_price.eur).toBeCloseTo(template.market_data.current_price.eur, 6);
    expect(md.market_cap.btc).toBeCloseTo(18670118, 0);
  });

  test('ethereum 01-01-2018 with default localization', async () => {
    const { status, json } = await history('ethereum', '01-01-2018', '');
    expect(status).toBe(200);
    expect(json.localization?.en).toBe('Ethereum');
    expect(Object.keys(json).slice(0, 5)).toEqual(['id', 'symbol', 'name', 'localization', 'image']);
    expect(json.market_data!.current_price.usd).toBe(776.080330355968);
    expect(json.market_data!.market_cap.usd).toBe(75056629369.4547);
    expect(json.market_data!.current_price.eth).toBe(1);
    expect(json.market_data!.current_price.btc).toBeCloseTo(0.0550661260590115, 12); // the real capture's value
  });

  test('yyyy-mm-dd is accepted too and every value equals Number(csv field)', async () => {
    const csv = loadCsvPrices('cardano').get('2021-04-01')!;
    const { json } = await history('cardano', '2021-04-01');
    expect(json.market_data!.current_price.usd).toBe(csv.price);
    expect(json.market_data!.market_cap.usd).toBe(csv.marketCap);
    expect(json.market_data!.total_volume.usd).toBe(csv.volume);
    expect(csv.price).toBe(1.1921924669843982);
  });

  test('an empty CSV field is null in every currency of that map', async () => {
    const { json } = await history('bitcoin', '02-04-2017');
    expect(json.market_data!.current_price.usd).toBe(1098.0679999999998);
    expect(new Set(Object.values(json.market_data!.market_cap))).toEqual(new Set([null]));
    expect(json.market_data!.total_volume.usd).toBe(80231506.35067685);
  });

  test.each([
    ['cardano', '15-10-2017', 'before its first day'],
    ['bitcoin', '04-06-2013', 'a gap in the CSV'],
    ['bitcoin', '21-12-2024', 'after today'],
  ])('%s %s (%s) => 200 without market_data', async (coin, date) => {
    const { status, json } = await history(coin, date, '');
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual(['id', 'symbol', 'name', 'localization', 'image']);
    expect(api.requests.at(-1)).toMatchObject({ status: 200, outcome: 'nodata', coinId: coin });
  });

  test('unknown coin => 404 with the captured bytes', async () => {
    const { status, text } = await history('not-a-coin', '01-01-2020');
    expect(status).toBe(404);
    expect(text).toBe(fixture('error_404_coin_not_found.json').trim());
  });

  test.each(['31-02-2021', '1-4-2021', '2021/04/01', '01-13-2021', 'yesterday', ''])(
    'bad date %p => 400 invalid date',
    async (date) => {
      const { status, text } = await history('bitcoin', date);
      expect(status).toBe(400);
      expect(text).toBe('{"error":"invalid date"}');
    },
  );

  test('missing date => 400', async () => {
    const { status, text } = await getJson(`${api.url}/coins/bitcoin/history`);
    expect([status, text]).toEqual([400, '{"error":"invalid date"}']);
  });

  test('mockcoin has every day from 2000-01-01 to today, equal to mockcoinRow', async () => {
    for (const iso of ['2000-01-01', '2013-06-04', '2024-12-20']) {
      const { json } = await history('mockcoin', iso);
      const row = mockcoinRow(iso);
      expect(json.market_data!.current_price.usd).toBe(row.price);
      expect(json.market_data!.market_cap.usd).toBe(row.marketCap);
      expect(json.market_data!.total_volume.usd).toBe(row.volume);
      expect(row.price).toBeGreaterThan(0);
    }
    expect((await history('mockcoin', '1999-12-31')).json.market_data).toBeUndefined();
    expect((await history('mockcoin', '2024-12-21')).json.market_data).toBeUndefined();
  });

  test('records each request', async () => {
    const before = api.requests.length;
    await history('bitcoin', '30-12-2017');
    expect(api.requests.length).toBe(before + 1);
    const r = api.requests[before];
    expect(r).toMatchObject({ method: 'GET', path: '/api/v3/coins/bitcoin/history', coinId: 'bitcoin' });
    expect(r).toMatchObject({ date: '2017-12-30', status: 200, outcome: 'ok' });
    expect(Math.abs(r.at - Date.now())).toBeLessThan(5000);
  });
});

describe('other routes', () => {
  test('ping, coins/list and unknown paths', async () => {
    expect((await getJson(`${api.url}/ping`)).text).toBe('{"gecko_says":"(V3) To the Moon!"}');
    const list = await getJson<{ id: string; symbol: string; name: string }[]>(`${api.url}/coins/list`);
    expect(list.json.slice(0, 5)).toEqual([
      { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
      { id: 'ethereum', symbol: 'eth', name: 'Ethereum' },
      { id: 'cardano', symbol: 'ada', name: 'Cardano' },
      { id: 'mockcoin', symbol: 'mock', name: 'Mockcoin' },
      { id: 'gen-coin-0001', symbol: 'gc0001', name: 'Gen Coin 0001' },
    ]);
    expect(list.json).toHaveLength(600);
    expect(list.json.at(-1)).toEqual({ id: 'gen-coin-0596', symbol: 'gc0596', name: 'Gen Coin 0596' });
    for (const path of ['/api/v3/nope', '/api/v3/coins/bitcoin', '/', '/ping']) {
      const res = await rawGet(`${api.url.replace('/api/v3', '')}${path}`);
      expect([res.status, res.body]).toEqual([404, '{"error":"Not Found"}']);
    }
  });

  test('market_chart/range returns the CSV daily points at 00:00 UTC', async () => {
    const from = Date.UTC(2021, 0, 1) / 1000;
    const to = Date.UTC(2021, 4, 1) / 1000; // 120 days
    const { status, json } = await getJson<Chart>(
      `${api.url}/coins/ethereum/market_chart/range?vs_currency=usd&from=${from}&to=${to}`,
    );
    expect(status).toBe(200);
    const csv = loadCsvPrices('ethereum');
    expect(json.prices).toHaveLength(121);
    for (const [i, [ms, price]] of json.prices.entries()) {
      const iso = new Date(ms).toISOString();
      expect(iso.slice(10)).toBe('T00:00:00.000Z');
      const row = csv.get(iso.slice(0, 10))!;
      expect(price).toBe(row.price);
      expect(json.market_caps[i]).toEqual([ms, row.marketCap]);
      expect(json.total_volumes[i]).toEqual([ms, row.volume]);
    }
    expect(json.prices[0]).toEqual([Date.UTC(2021, 0, 1), 738.6169381520413]);
  });

  test('market_chart/range errors', async () => {
    const base = `${api.url}/coins`;
    expect((await rawGet(`${base}/nope/market_chart/range?vs_currency=usd&from=0&to=1`)).status).toBe(404);
    expect((await rawGet(`${base}/bitcoin/market_chart/range?from=0&to=1`)).status).toBe(400);
    expect((await rawGet(`${base}/bitcoin/market_chart/range?vs_currency=usd&from=x&to=1`)).status).toBe(400);
  });
});
