import { IgnoreRequest, RateLimited, RetryRequest } from '../../src/core/errors';
import type { Request } from '../../src/core/request';
import type { StoredItems } from '../../src/core/spider';
import { CoinGeckoHistorySpider, DayMeta } from '../../src/spiders/coingecko-history';
import { fixtureText } from '../helpers/fixtures';
import { buildSpider, respondTo, startOutput, storedCoinDays } from '../helpers/spiders';

function spider(env: Record<string, string> = {}, stored?: StoredItems) {
  return buildSpider(
    CoinGeckoHistorySpider,
    { 'coin-id': ['bitcoin', 'ethereum'], 'start-date': '2021-03-31', 'end-date': '2021-04-01' },
    { env, stored },
  );
}

function respond(
  request: Request<DayMeta>,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  const built = spider();
  return respondTo(built.parse.bind(built), request, status, body, headers);
}

describe('coingecko_history spider', () => {
  let requests: Request<DayMeta>[];
  let bitcoinApril: Request<DayMeta>;
  beforeAll(async () => {
    requests = (await startOutput(spider())) as Request<DayMeta>[];
    bitcoinApril = requests.find((r) => r.label === 'bitcoin 2021-04-01') as Request<DayMeta>;
  });

  it('asks for every coin and day with dd-mm-yyyy dates, without localization', () => {
    expect(requests.map((r) => r.url)).toEqual([
      'https://api.coingecko.com/api/v3/coins/bitcoin/history?date=31-03-2021&localization=false',
      'https://api.coingecko.com/api/v3/coins/bitcoin/history?date=01-04-2021&localization=false',
      'https://api.coingecko.com/api/v3/coins/ethereum/history?date=31-03-2021&localization=false',
      'https://api.coingecko.com/api/v3/coins/ethereum/history?date=01-04-2021&localization=false',
    ]);
    expect(bitcoinApril.uniqueKey).toBe('coingecko_history:bitcoin:2021-04-01');
    expect(bitcoinApril.group).toBe('bitcoin');
  });

  it('does not ask for the days storage already has', async () => {
    const asked: string[] = [];
    const has = new Set(['bitcoin 2021-03-31', 'ethereum 2021-04-01']);
    const stored = storedCoinDays((coinId, date) => has.has(`${coinId} ${date}`), asked);
    const left = await startOutput(spider({}, stored));
    expect(left.map((r) => r.label)).toEqual(['bitcoin 2021-04-01', 'ethereum 2021-03-31']);
    expect(asked).toHaveLength(4);
  });

  it('uses the pro host and key header for the pro plan, the demo header for demo, none without a key', async () => {
    const pro = spider({ COINGECKO_API_KEY: 'k1', COINGECKO_API_PLAN: 'pro' });
    expect((await startOutput(pro))[0].url.startsWith('https://pro-api.coingecko.com/api/v3/')).toBe(true);
    expect(pro.requestHeaders()['x-cg-pro-api-key']).toBe('k1');
    expect(
      spider({ COINGECKO_API_KEY: 'k2', COINGECKO_API_PLAN: 'demo' }).requestHeaders()['x-cg-demo-api-key'],
    ).toBe('k2');
    const headers = spider().requestHeaders();
    expect(Object.keys(headers).filter((h) => h.includes('api-key'))).toEqual([]);
    // The key travels in a header at send time, never in what the queue stores.
    expect(JSON.stringify(await startOutput(pro))).not.toContain('k1');
    expect(pro.secretHeaderNames).toContain('x-cg-pro-api-key');
  });

  it('parses the real bitcoin payload into one item', () => {
    const { run, stats } = respond(
      bitcoinApril,
      200,
      fixtureText('history_bitcoin_01-04-2021_localization_false.DERIVED.json'),
    );
    const [item] = run();
    expect(item.coin_id).toBe('bitcoin');
    expect(item.date).toBe('2021-04-01');
    expect(item.usd_price).toBe(58817.3738884188);
    expect(stats.count('coingecko/no_market_data_count')).toBe(0);
  });

  it('counts a day without market data and still returns its item', () => {
    const { run, stats } = respond(
      bitcoinApril,
      200,
      '{"id":"bitcoin","symbol":"btc","name":"Bitcoin","image":{}}',
    );
    expect(run()[0].usd_price).toBeNull();
    expect(stats.count('coingecko/no_market_data_count')).toBe(1);
  });

  it('fails the whole coin on 404 coin not found', () => {
    const { run } = respond(bitcoinApril, 404, fixtureText('error_404_coin_not_found.json'));
    expect(run).toThrow(IgnoreRequest);
    expect(run).toThrow('coin not found: bitcoin');
    try {
      run();
    } catch (error) {
      expect((error as IgnoreRequest).scope).toBe('group');
    }
  });

  it('says what to do about the 365-day limit (401, code 10012)', () => {
    const { run } = respond(bitcoinApril, 401, fixtureText('error_401_10012_exceeds_365_days.json'));
    expect(run).toThrow(
      'dates older than 365 days need a paid API key; set COINGECKO_API_KEY and COINGECKO_API_PLAN=pro',
    );
  });

  it('stops the crawl on a pro key sent to the public host (400, code 10010)', () => {
    const { run } = respond(bitcoinApril, 400, fixtureText('error_400_10010_pro_key_on_public_host.json'));
    try {
      run();
      throw new Error('expected IgnoreRequest');
    } catch (error) {
      expect(error).toBeInstanceOf(IgnoreRequest);
      expect((error as IgnoreRequest).scope).toBe('crawl');
    }
  });

  it('treats a 429 body under status 200 as a rate limit, not an item', () => {
    const { run } = respond(bitcoinApril, 200, fixtureText('error_429.json'), { 'retry-after': '7' });
    expect(run).toThrow(RateLimited);
    try {
      run();
    } catch (error) {
      expect((error as RateLimited).retryAfterMs).toBe(7000);
    }
  });

  it('treats a Cloudflare 1015 page as a rate limit, and other non-JSON as transient', () => {
    expect(respond(bitcoinApril, 200, fixtureText('error_cloudflare_1015_rate_limited.html')).run).toThrow(
      RateLimited,
    );
    expect(respond(bitcoinApril, 200, '{"id":"bitcoin","market_da').run).toThrow(RetryRequest);
    expect(respond(bitcoinApril, 200, '{"unexpected":true}').run).toThrow(RetryRequest);
  });
});
