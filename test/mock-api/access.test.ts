// Why: the free plans' 365-day rule and the API-key check decide whether a crawler can run at all; these tests
// pin their statuses and bodies.
import { startMockApi, type MockApi } from './server';
import { getJson } from './test-helpers';

type ErrorBody = {
  error?: { status: { timestamp: string; error_code: number; error_message: string } };
  status?: { error_code: number; error_message: string };
  market_data?: unknown;
};

let api: MockApi;
afterEach(() => api?.close());

describe('365-day rule', () => {
  test.each(['public', 'demo'] as const)(
    'plan %s refuses dates older than today - 365 days with 10012',
    async (plan) => {
      api = await startMockApi({ plan, today: '2024-06-01' });
      const old = await getJson<ErrorBody>(`${api.url}/coins/bitcoin/history?date=01-04-2021`);
      expect(old.status).toBe(401);
      expect(old.json.error?.status.error_code).toBe(10012);
      expect(old.json.error?.status.error_message).toMatch(
        /^Your request exceeds the allowed time range\. Public API/,
      );
      expect(Date.now() - Date.parse(old.json.error!.status.timestamp)).toBeLessThan(5000);
      expect(api.requests[0]).toMatchObject({ status: 401, outcome: 'error', date: '2021-04-01' });
      // 2024-06-01 - 365 days = 2023-06-02 (2024 is a leap year): the boundary day is still served.
      expect((await getJson(`${api.url}/coins/bitcoin/history?date=01-06-2023`)).status).toBe(401);
      const edge = await getJson<ErrorBody>(`${api.url}/coins/bitcoin/history?date=02-06-2023`);
      expect(edge.status).toBe(200);
      expect(edge.json.market_data).toBeDefined();
    },
  );

  test('plan public also refuses a market_chart/range starting too early', async () => {
    api = await startMockApi({ plan: 'public', today: '2024-06-01' });
    const from = Date.UTC(2023, 0, 1) / 1000;
    const to = Date.UTC(2024, 0, 1) / 1000;
    const res = await getJson<ErrorBody>(
      `${api.url}/coins/bitcoin/market_chart/range?vs_currency=usd&from=${from}&to=${to}`,
    );
    expect(res.status).toBe(401);
    expect(res.json.error?.status.error_code).toBe(10012);
  });

  test('plan pro (the default) serves any date', async () => {
    api = await startMockApi({ today: '2024-06-01' });
    const res = await getJson<{ market_data: { current_price: { usd: number } } }>(
      `${api.url}/coins/bitcoin/history?date=30-12-2017`,
    );
    expect(res.json.market_data.current_price.usd).toBe(13620.3618741461);
  });

  test('configure() switches the plan at run time', async () => {
    api = await startMockApi({ today: '2024-06-01' });
    const url = `${api.url}/coins/bitcoin/history?date=30-12-2017`;
    expect((await getJson(url)).status).toBe(200);
    api.configure({ plan: 'demo' });
    expect((await getJson(url)).status).toBe(401);
  });
});

describe('API key', () => {
  test('plan demo: header or query form of the demo key', async () => {
    api = await startMockApi({ plan: 'demo', apiKey: 'CG-demo', today: '2024-06-01' });
    const url = `${api.url}/coins/bitcoin/history?date=01-01-2024`;
    const missing = await getJson<ErrorBody>(url);
    expect(missing.status).toBe(401);
    expect(missing.json.status?.error_code).toBe(10002);
    expect(missing.json.status?.error_message).toMatch(/^API Key Missing/);
    expect((await getJson(url, { 'x-cg-demo-api-key': 'wrong' })).status).toBe(401);
    expect((await getJson(url, { 'x-cg-pro-api-key': 'CG-demo' })).status).toBe(401);
    expect((await getJson(url, { 'x-cg-demo-api-key': 'CG-demo' })).status).toBe(200);
    expect((await getJson(`${url}&x_cg_demo_api_key=CG-demo`)).status).toBe(200);
    expect((await getJson(`${api.url}/ping`)).status).toBe(401);
    expect(api.requests.map((r) => r.status)).toEqual([401, 401, 401, 200, 200, 401]);
    expect(api.requests[3].headers['x-cg-demo-api-key']).toBe('CG-demo');
  });

  test('plan pro: the pro header or query form', async () => {
    api = await startMockApi({ plan: 'pro', apiKey: 'CG-pro' });
    expect((await getJson(`${api.url}/ping`, { 'x-cg-demo-api-key': 'CG-pro' })).status).toBe(401);
    expect((await getJson(`${api.url}/ping`, { 'x-cg-pro-api-key': 'CG-pro' })).status).toBe(200);
    expect((await getJson(`${api.url}/ping?x_cg_pro_api_key=CG-pro`)).status).toBe(200);
  });
});
