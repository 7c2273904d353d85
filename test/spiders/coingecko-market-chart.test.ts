import { IgnoreRequest, RateLimited, RetryRequest } from '../../src/core/errors';
import type { Request } from '../../src/core/request';
import { ChunkMeta, CoinGeckoMarketChartSpider } from '../../src/spiders/coingecko-market-chart';
import { chunkRun, dayNumber, isoDay, missingRuns, widenRange } from '../../src/spiders/day-chunks';
import { findSpider } from '../../src/spiders';
import { todayUtc } from '../../src/util/dates';
import { loadCsvPrices } from '../mock-api/server';
import { fixtureText } from '../helpers/fixtures';
import { buildSpider, respondTo, startOutput, storedCoinDays } from '../helpers/spiders';

const DAY_MS = 86_400_000;
const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
const seconds = (day: string) => ms(day) / 1000;

interface Args {
  coinIds?: string[];
  startDate?: string;
  endDate?: string;
  /** What storage has, asked per coin and day. */
  isStored?: (coinId: string, day: string) => boolean;
}

function spider(
  { coinIds = ['bitcoin'], startDate = '2021-03-01', endDate = '2021-03-10', isStored }: Args = {},
  env: Record<string, string> = {},
) {
  const stored = storedCoinDays(isStored ?? (() => false));
  return buildSpider(
    CoinGeckoMarketChartSpider,
    { 'coin-id': coinIds, 'start-date': startDate, 'end-date': endDate },
    { env, stored },
  );
}

async function requests(args: Args = {}, env: Record<string, string> = {}): Promise<Request<ChunkMeta>[]> {
  return (await startOutput(spider(args, env))) as Request<ChunkMeta>[];
}

/** The request's `from` and `to` as ISO timestamps, for readable expectations. */
function window(request: Request): [string, string] {
  const query = new URL(request.url).searchParams;
  return [query.get('from'), query.get('to')].map((s) => new Date(Number(s) * 1000).toISOString()) as [
    string,
    string,
  ];
}

/** A request for the given days, as startRequests would make it. */
async function chunk(first: string, last: string, coinId = 'bitcoin'): Promise<Request<ChunkMeta>> {
  return (await requests({ coinIds: [coinId], startDate: first, endDate: last }))[0];
}

function respond(
  request: Request<ChunkMeta>,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  const built = spider();
  return respondTo(built.parse.bind(built), request, status, body, headers);
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('day-chunks', () => {
  it('groups the missing days into runs, asking about each day once', async () => {
    const asked: string[] = [];
    const stored = new Set(['2021-01-03', '2021-01-04', '2021-01-07']);
    const runs = missingRuns('2021-01-01', '2021-01-08', (day) => (asked.push(day), stored.has(day)));
    expect(runs).toEqual([
      ['2021-01-01', '2021-01-02'],
      ['2021-01-05', '2021-01-06'],
      ['2021-01-08', '2021-01-08'],
    ]);
    expect(asked).toHaveLength(8);
    expect(missingRuns('2021-01-01', '2021-01-03')).toEqual([['2021-01-01', '2021-01-03']]);
    expect(missingRuns('2021-01-01', '2021-01-02', () => true)).toEqual([]);
  });

  it('cuts a run into chunks of at most N days', async () => {
    expect(chunkRun(['2021-01-01', '2021-01-10'], 4)).toEqual([
      ['2021-01-01', '2021-01-04'],
      ['2021-01-05', '2021-01-08'],
      ['2021-01-09', '2021-01-10'],
    ]);
    expect(chunkRun(['2021-01-01', '2021-01-01'], 365)).toEqual([['2021-01-01', '2021-01-01']]);
    expect(isoDay(dayNumber('2020-02-29'))).toBe('2020-02-29');
  });

  it('widens a short range backwards, not before the oldest day a plan serves, never past today', async () => {
    const today = '2024-12-20';
    expect(widenRange(['2021-03-01', '2021-03-10'], 91, { today })).toEqual(['2020-12-09', '2021-03-10']);
    // Already long enough: unchanged.
    expect(widenRange(['2021-01-01', '2021-12-31'], 91, { today })).toEqual(['2021-01-01', '2021-12-31']);
    // A free plan's oldest day stops it; the rest goes forward.
    expect(widenRange(['2024-01-10', '2024-01-20'], 91, { today, oldest: '2024-01-01' })).toEqual([
      '2024-01-01',
      '2024-04-01',
    ]);
    // Wanted days already older than that are refused whatever the span (the API says why): plain backwards.
    expect(widenRange(['2023-12-01', '2023-12-05'], 91, { today, oldest: '2024-01-01' })).toEqual([
      '2023-09-05',
      '2023-12-05',
    ]);
    // Forward widening stops at today.
    expect(widenRange(['2024-12-10', '2024-12-12'], 91, { today, oldest: '2024-12-01' })).toEqual([
      '2024-12-01',
      '2024-12-20',
    ]);
  });
});

describe('coingecko_market_chart startRequests', () => {
  it('is registered under its name', async () => {
    expect(findSpider('coingecko_market_chart')).toBe(CoinGeckoMarketChartSpider);
    expect(CoinGeckoMarketChartSpider.description).toMatch(/market_chart\/range/);
  });

  it('asks for a 1,445-day backfill in 4 requests of at most 365 days, each ending an hour after its last day', async () => {
    const all = await requests({ startDate: '2019-01-01', endDate: '2022-12-15' });
    expect(all.map((r) => r.meta?.days)).toEqual([
      ['2019-01-01', '2019-12-31'],
      ['2020-01-01', '2020-12-30'],
      ['2020-12-31', '2021-12-30'],
      ['2021-12-31', '2022-12-15'],
    ]);
    expect(all.map(window)).toEqual([
      ['2019-01-01T00:00:00.000Z', '2019-12-31T01:00:00.000Z'],
      ['2020-01-01T00:00:00.000Z', '2020-12-30T01:00:00.000Z'],
      ['2020-12-31T00:00:00.000Z', '2021-12-30T01:00:00.000Z'],
      ['2021-12-31T00:00:00.000Z', '2022-12-15T01:00:00.000Z'],
    ]);
    expect(all[0]).toMatchObject({
      method: 'GET',
      headers: {},
      body: undefined,
      url: `https://api.coingecko.com/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=${seconds('2019-01-01')}&to=${seconds('2019-12-31') + 3600}`,
      uniqueKey: 'coingecko_market_chart:bitcoin:2019-01-01:2019-12-31',
      label: 'bitcoin 2019-01-01..2019-12-31',
      group: 'bitcoin',
      meta: { coinId: 'bitcoin', days: ['2019-01-01', '2019-12-31'] },
    });
    // meta goes through the request queue: plain JSON.
    expect(JSON.parse(JSON.stringify(all[0].meta))).toEqual(all[0].meta);
  });

  it('on a paid plan, asks for the whole run of missing days in one request', async () => {
    const pro = { COINGECKO_API_KEY: 'k1', COINGECKO_API_PLAN: 'pro' };
    const all = await requests({ startDate: '2013-04-28', endDate: '2022-12-15' }, pro);
    expect(all.map((r) => r.meta?.days)).toEqual([['2013-04-28', '2022-12-15']]);
    expect(all.map(window)).toEqual([['2013-04-28T00:00:00.000Z', '2022-12-15T01:00:00.000Z']]);
    // Stored days still split it: one request per run of missing days.
    const stored = new Set(['2020-01-01']);
    const split = await requests(
      { startDate: '2019-01-01', endDate: '2022-12-15', isStored: (_, day) => stored.has(day) },
      pro,
    );
    expect(split.map((r) => r.meta?.days)).toEqual([
      ['2019-01-01', '2019-12-31'],
      ['2020-01-02', '2022-12-15'],
    ]);
  });

  it('widens a chunk shorter than 91 days backwards, so the API answers with daily points', async () => {
    const [only, ...rest] = await requests({ startDate: '2021-03-01', endDate: '2021-03-10' });
    expect(rest).toEqual([]);
    expect(only.meta.days).toEqual(['2021-03-01', '2021-03-10']);
    expect(window(only)).toEqual(['2020-12-09T00:00:00.000Z', '2021-03-10T01:00:00.000Z']);
    // The short tail of a long run too.
    const tail = (await requests({ startDate: '2019-01-01', endDate: '2020-01-10' }))[1];
    expect(tail.meta.days).toEqual(['2020-01-01', '2020-01-10']);
    expect(window(tail)).toEqual(['2019-10-11T00:00:00.000Z', '2020-01-10T01:00:00.000Z']);
  });

  it('does not ask for stored days: one request per run of missing days', async () => {
    const stored = new Set(['2021-03-03', '2021-03-04', '2021-03-08']);
    const asked: string[] = [];
    const all = await requests({
      coinIds: ['bitcoin', 'cardano'],
      isStored: (coinId, day) => (asked.push(`${coinId} ${day}`), coinId === 'bitcoin' && stored.has(day)),
    });
    expect(all.map((r) => r.label)).toEqual([
      'bitcoin 2021-03-01..2021-03-02',
      'bitcoin 2021-03-05..2021-03-07',
      'bitcoin 2021-03-09..2021-03-10',
      'cardano 2021-03-01..2021-03-10',
    ]);
    expect(all.map((r) => r.group)).toEqual(['bitcoin', 'bitcoin', 'bitcoin', 'cardano']);
    expect(asked).toHaveLength(20);
    expect(await requests({ isStored: () => true })).toEqual([]);
  });

  it('keeps a free plan inside its 365 days when widening', async () => {
    const today = dayNumber(todayUtc());
    const [request] = await requests({ startDate: isoDay(today - 300), endDate: isoDay(today - 295) });
    const [from, to] = window(request).map((t) => Date.parse(t) / DAY_MS);
    expect(Math.floor(from)).toBeGreaterThanOrEqual(today - 365);
    expect(Math.floor(to) - from).toBeGreaterThanOrEqual(91);
    expect(Math.floor(to)).toBeLessThanOrEqual(today);
    // A paid plan has no such limit: backwards only.
    const [pro] = await requests(
      { startDate: isoDay(today - 300), endDate: isoDay(today - 295) },
      { COINGECKO_API_KEY: 'k1', COINGECKO_API_PLAN: 'pro' },
    );
    expect(window(pro)[0]).toBe(`${isoDay(today - 295 - 91)}T00:00:00.000Z`);
  });

  it('uses the plan host, key header and rate-limit preset, and never puts the key in a request', async () => {
    const env = { COINGECKO_API_KEY: 'k1', COINGECKO_API_PLAN: 'pro' };
    const pro = spider({}, env);
    expect((await startOutput(pro))[0].url.startsWith('https://pro-api.coingecko.com/api/v3/coins/')).toBe(
      true,
    );
    expect(pro.requestHeaders()['x-cg-pro-api-key']).toBe('k1');
    expect(pro.rateLimitPreset()).toBe(500);
    expect(spider().rateLimitPreset()).toBe(5);
    expect(JSON.stringify(await startOutput(pro))).not.toContain('k1');
  });
});

describe('coingecko_market_chart parse', () => {
  let march: Request<ChunkMeta>;
  beforeAll(async () => {
    march = await chunk('2021-03-01', '2021-03-03');
  });

  it('makes one item per wanted day, each series indexed by its own days, ignoring other points', async () => {
    const body = JSON.stringify({
      prices: [
        [ms('2021-02-28'), 1], // a day the request was widened by: not wanted
        [ms('2021-03-01'), 10],
        [ms('2021-03-02'), 20],
        [ms('2021-03-03'), 30],
        [ms('2021-03-03') + 3_600_000, 31], // not a 00:00 UTC snapshot ("now" or hourly)
      ],
      market_caps: [
        [ms('2021-03-01'), 100],
        [ms('2021-03-03'), 300],
      ],
      total_volumes: [[ms('2021-03-02'), null]],
    });
    const { run, stats } = respond(march, 200, body);
    const items = run();
    expect(items.map((i) => [i.date, i.usd_price, i.usd_market_cap, i.usd_total_volume])).toEqual([
      ['2021-03-01', 10, 100, null],
      ['2021-03-02', 20, null, null],
      ['2021-03-03', 30, 300, null],
    ]);
    expect(items[0]).toEqual({
      coin_id: 'bitcoin',
      date: '2021-03-01',
      usd_price: 10,
      usd_market_cap: 100,
      usd_total_volume: null,
      full_response: {
        source: 'market_chart/range',
        coin_id: 'bitcoin',
        date: '2021-03-01',
        price: [ms('2021-03-01'), 10],
        market_cap: [ms('2021-03-01'), 100],
        total_volume: null,
      },
    });
    expect(items[1].full_response.total_volume).toEqual([ms('2021-03-02'), null]);
    expect(stats.count('coingecko/no_market_data_count')).toBe(0);
  });

  it('reads the real bitcoin answer: the 00:00 UTC point, not the "now" point', async () => {
    const { run } = respond(
      await chunk('2024-01-01', '2024-01-01'),
      200,
      fixtureText('market_chart_bitcoin_2024-01-01_real.json'),
    );
    const [item, ...rest] = run();
    expect(rest).toEqual([]);
    const csv = loadCsvPrices('bitcoin').get('2024-01-01');
    expect(item.usd_price).toBe(42208.2); // rounded by the capture's `precision` parameter
    expect(item.usd_market_cap).toBe(csv?.marketCap);
    expect(item.usd_total_volume).toBe(csv?.volume);
  });

  it("reads the docs' hourly example as valid but without a daily snapshot", async () => {
    const { run, stats } = respond(
      await chunk('2024-01-01', '2024-01-01'),
      200,
      fixtureText('market_chart_range_bitcoin_docs_example.json'),
    );
    expect(run().map((i) => [i.usd_price, i.usd_market_cap, i.usd_total_volume])).toEqual([
      [null, null, null],
    ]);
    expect(stats.count('coingecko/no_market_data_count')).toBe(1);
  });

  it('stores days before the coin existed as nulls and counts them', async () => {
    const body = JSON.stringify({
      prices: [[ms('2021-03-03'), 0.02]],
      market_caps: [[ms('2021-03-03'), 5e8]],
      total_volumes: [[ms('2021-03-03'), 1e6]],
    });
    const { run, stats } = respond(march, 200, body);
    expect(run().map((i) => [i.date, i.usd_price, i.full_response.price])).toEqual([
      ['2021-03-01', null, null],
      ['2021-03-02', null, null],
      ['2021-03-03', 0.02, [ms('2021-03-03'), 0.02]],
    ]);
    expect(stats.count('coingecko/no_market_data_count')).toBe(2);
  });

  it('retries a body that is not a market chart', async () => {
    const good = [[ms('2021-03-01'), 1]];
    for (const body of [
      '{"prices":[[1614556800000,1]],"market_c', // cut off
      '{}',
      JSON.stringify({ prices: good, market_caps: good }), // a series missing
      JSON.stringify({ prices: good, market_caps: good, total_volumes: {} }),
      JSON.stringify({ prices: [[ms('2021-03-01'), '1']], market_caps: good, total_volumes: good }),
      JSON.stringify({ prices: [[ms('2021-03-01')]], market_caps: good, total_volumes: good }),
      JSON.stringify({ prices: [null], market_caps: good, total_volumes: good }),
    ]) {
      const error = thrown(respond(march, 200, body).run);
      expect([body, error]).toEqual([body, expect.any(RetryRequest)]);
      expect((error as RetryRequest).reason).toBe('malformed_body');
    }
  });

  it('fails the whole coin on 404 coin not found', async () => {
    const error = thrown(respond(march, 404, fixtureText('error_404_coin_not_found.json')).run);
    expect(error).toBeInstanceOf(IgnoreRequest);
    expect((error as IgnoreRequest).message).toBe('coin not found: bitcoin');
    expect((error as IgnoreRequest).scope).toBe('group');
  });

  it('says what to do about the 365-day limit (401, code 10012)', async () => {
    const { run } = respond(march, 401, fixtureText('error_401_10012_exceeds_365_days.json'));
    expect(run).toThrow(
      'dates older than 365 days need a paid API key; set COINGECKO_API_KEY and COINGECKO_API_PLAN=pro',
    );
  });

  it('treats rate-limit answers as rate limits, under 429 or 200', async () => {
    const error = thrown(respond(march, 200, fixtureText('error_429.json'), { 'retry-after': '7' }).run);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(7000);
    expect(respond(march, 429, fixtureText('error_cloudflare_1015_rate_limited.html')).run).toThrow(
      RateLimited,
    );
  });
});
