// Why: a crawler's retry logic is only as good as the failures it was tested with; these tests pin what each
// fault looks like on the wire and that seeded faults replay identically.
import { FaultPicker, mulberry32 } from './faults';
import { startMockApi, type MockApi, type MockFaults } from './server';
import { rawGet } from './test-helpers';

let api: MockApi;
afterEach(() => api?.close());

const historyUrl = (date = '01-04-2021') =>
  `${api.url}/coins/bitcoin/history?date=${date}&localization=false`;

test('failNext(2, 503) fails two data requests, then the real answer comes back', async () => {
  api = await startMockApi();
  api.failNext(2, 503);
  expect((await fetch(`${api.url}/ping`)).status).toBe(200); // not a data route: untouched
  const first = await fetch(historyUrl());
  expect(first.status).toBe(503);
  expect(await first.json()).toEqual({ status: { error_code: 503, error_message: 'Service Unavailable' } });
  expect((await fetch(historyUrl())).status).toBe(503);
  const ok = await fetch(historyUrl());
  expect(ok.status).toBe(200);
  expect(
    ((await ok.json()) as { market_data: { current_price: { usd: number } } }).market_data.current_price.usd,
  ).toBe(58817.3738884188);
  expect(api.requests.map((r) => [r.status, r.outcome])).toEqual([
    [200, 'ok'],
    [503, 'fault'],
    [503, 'fault'],
    [200, 'ok'],
  ]);
});

test("failNext(1, 'reset') makes the client fail, the next request succeeds", async () => {
  api = await startMockApi();
  api.failNext(1, 'reset');
  await expect(fetch(historyUrl())).rejects.toThrow();
  const raw = await rawGet(historyUrl());
  expect(raw.status).toBe(200);
  expect(api.requests.map((r) => [r.status, r.outcome])).toEqual([
    [0, 'fault'],
    [200, 'ok'],
  ]);
});

test("failNext(1, 'truncated') sends status 200 and half a JSON body, then closes", async () => {
  api = await startMockApi();
  api.failNext(1, 'truncated');
  const res = await rawGet(historyUrl());
  expect(res.status).toBe(200);
  expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
  expect(res.error).toBeDefined();
  expect(res.body.startsWith('{"id":"bitcoin","symbol":"btc"')).toBe(true);
  expect(Number(res.headers?.['content-length'])).toBe(res.body.length * 2);
  expect(() => JSON.parse(res.body)).toThrow(SyntaxError);
  expect(api.requests[0]).toMatchObject({ status: 200, outcome: 'fault', date: '2021-04-01' });
});

test("failNext(1, 'hang') holds the socket for hangMs, then destroys it", async () => {
  api = await startMockApi({ hangMs: 300 });
  api.failNext(1, 'hang');
  const t0 = Date.now();
  const res = await rawGet(historyUrl());
  expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  expect(res.status).toBeUndefined();
  expect(res.error).toBeDefined();
  expect(api.requests[0]).toMatchObject({ status: 0, outcome: 'fault' });
});

test("failNext(1, '5xx') answers 503; close() ends a hanging socket at once", async () => {
  api = await startMockApi({ hangMs: 60_000 });
  api.failNext(1, '5xx');
  api.failNext(1, 'hang');
  expect((await rawGet(historyUrl())).status).toBe(503);
  const hanging = rawGet(historyUrl());
  while (api.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
  await api.close();
  expect((await hanging).error).toBeDefined();
});

test('latencyMs delays every answer; configure() changes it', async () => {
  api = await startMockApi({ latencyMs: 250 });
  let t0 = Date.now();
  expect((await fetch(`${api.url}/ping`)).status).toBe(200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  api.configure({ latencyMs: 0 });
  t0 = Date.now();
  expect((await fetch(`${api.url}/ping`)).status).toBe(200);
  expect(Date.now() - t0).toBeLessThan(240);
});

async function outcomes(faults: MockFaults, n: number): Promise<string[]> {
  api = await startMockApi({ faults, today: '2024-12-20' });
  for (let i = 0; i < n; i++) await rawGet(historyUrl(`${String((i % 28) + 1).padStart(2, '0')}-02-2021`));
  const seen = api.requests.map((r) => `${r.status}:${r.outcome}`);
  await api.close();
  return seen;
}

test('seeded random faults replay identically for the same seed', async () => {
  const faults = { seed: 42, error5xx: 0.2, reset: 0.1, truncated: 0.1 };
  const a = await outcomes(faults, 50);
  const b = await outcomes(faults, 50);
  const c = await outcomes({ ...faults, seed: 7 }, 50);
  expect(a).toHaveLength(50);
  expect(b).toEqual(a);
  expect(c).not.toEqual(a);
  const kinds = new Set(a);
  expect(kinds).toContain('200:ok');
  expect(kinds).toContain('0:fault');
  expect(kinds).toContain('200:fault');
  expect(a.some((s) => /^50[0234]:fault$/.test(s))).toBe(true);
});

test('FaultPicker: mulberry32 is deterministic and rates hold over many draws', () => {
  const r1 = mulberry32(1);
  const r2 = mulberry32(1);
  const seq = Array.from({ length: 5 }, () => r1());
  expect(Array.from({ length: 5 }, () => r2())).toEqual(seq);
  expect(seq.every((x) => x >= 0 && x < 1)).toBe(true);

  const picker = new FaultPicker({ seed: 3, error5xx: 0.1, reset: 0.05, hang: 0.05, truncated: 0.1 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 20_000; i++) {
    const k = String(picker.pick());
    counts[k] = (counts[k] ?? 0) + 1;
  }
  expect(counts['5xx'] / 20_000).toBeCloseTo(0.1, 1);
  expect(counts.reset / 20_000).toBeCloseTo(0.05, 1);
  expect(counts.hang / 20_000).toBeCloseTo(0.05, 1);
  expect(counts.truncated / 20_000).toBeCloseTo(0.1, 1);
  expect(counts.null / 20_000).toBeCloseTo(0.7, 1);
  expect(new FaultPicker({}).pick()).toBeNull();
  expect(() => new FaultPicker({ reset: 0.6, truncated: 0.6 })).toThrow();
});
