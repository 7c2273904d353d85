/**
 * `coingecko_market_chart`: the same daily items as `coingecko_history`, from
 * `/coins/{id}/market_chart/range`, many days per request instead of one request per day: up to a
 * year on the free plans, a whole run of missing days on a paid one. A 4-year backfill takes 4
 * requests (1 on a paid plan) instead of 1,445 (nearly 5 hours at the public plan's 5 calls a minute).
 */
import { contract } from '../contracts/contract';
import { RetryRequest } from '../core/errors';
import { Request } from '../core/request';
import type { Response } from '../core/response';
import type { SpiderContext, StoredItems } from '../core/spider';
import {
  CoinHistory,
  coinDayKey,
  CoinHistoryItem,
  coinHistoryItemFromRangePoints,
  RangePoint,
} from '../items/coin-history-item';
import type { ApiPlan } from '../settings';
import { eachDay, todayUtc } from '../util/dates';
import { checkCoinRange, COIN_ARGUMENT, COIN_FILE_SETTINGS, RANGE_ARGUMENTS } from './coin-arguments';
import { apiBaseUrl, readApiAnswer } from './coingecko-api';
import { CoinGeckoSpider } from './coingecko-spider';
import { chunkRun, DayRange, dayNumber, isoDay, missingRuns, MS_PER_DAY, widenRange } from './day-chunks';

/**
 * Most days per request on the free plans: all they serve (the last 365 days). Paid plans serve the
 * whole history, and CoinGecko documents no cap on a range's span (above 90 days: one point a day),
 * so there a run of missing days is one request however long: 13 years of bitcoin is about 500 kB.
 */
const FREE_PLAN_CHUNK_DAYS = 365;
/**
 * CoinGecko picks the granularity from the span: hourly (or 5-minutely) points up to 90 days, daily
 * 00:00 UTC points beyond. A shorter chunk is asked for with a span of at least this many days.
 */
const MIN_SPAN_DAYS = 91;
/** `to` lands an hour after the last day's 00:00 UTC point, so that point is surely inside the range. */
const TO_MARGIN_SECONDS = 3600;
/**
 * Free plans serve only the last 365 days and refuse a whole request reaching further. Widening stops
 * a day short of that, in case the UTC day changes while the crawl runs.
 */
const FREE_PLAN_DAYS = 364;

export interface ChunkMeta {
  coinId: string;
  /** The chunk's wanted days, first and last; the request may span more. */
  days: DayRange;
}

export class CoinGeckoMarketChartSpider extends CoinGeckoSpider {
  static readonly spiderName = 'coingecko_market_chart';
  static readonly description =
    'USD price, market cap and volume per coin per day, up to 365 days a request (any span on a paid plan), from /coins/{id}/market_chart/range';
  static readonly spiderArguments = [COIN_ARGUMENT, ...RANGE_ARGUMENTS];
  static readonly checkArguments = checkCoinRange;
  static readonly customSettings = COIN_FILE_SETTINGS;
  static readonly itemTypes = [CoinHistory];

  async *startRequests(): AsyncGenerator<Request<ChunkMeta>> {
    const { coinId: coinIds, startDate, endDate } = this.args;
    const base = apiBaseUrl(this.settings);
    for (const coinId of coinIds) {
      yield* await marketChartRequests(base, this.settings.API_PLAN, this.stored, coinId, [
        startDate,
        endDate,
      ]);
    }
  }

  @contract({
    answer: 'test/fixtures/coingecko/market_chart_bitcoin_docs_example.json',
    url: 'https://api.coingecko.com/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=1711843200&to=1711933200',
    meta: { coinId: 'bitcoin', days: ['2024-03-31', '2024-04-01'] },
    args: { 'coin-id': 'bitcoin', 'start-date': '2024-03-31' },
    items: 2,
    requests: 0,
    scrapes: ['coin_id', 'date', 'usd_price', 'usd_market_cap', 'usd_total_volume', 'full_response'],
  })
  parse(response: Response<ChunkMeta>, { stats }: SpiderContext): CoinHistoryItem[] {
    return marketChartItems(response, stats);
  }
}

/**
 * The `/market_chart/range` requests for a coin's days that are not stored yet: runs of missing
 * days (on the free plans cut into chunks of at most a year), each widened to the span that gets daily points. Shared
 * with `coingecko_top`.
 */
export async function marketChartRequests(
  base: string,
  plan: ApiPlan,
  stored: StoredItems,
  coinId: string,
  [startDate, endDate]: readonly [string, string],
  callback?: string,
): Promise<Request<ChunkMeta>[]> {
  const today = todayUtc();
  const oldest = plan === 'pro' ? undefined : isoDay(dayNumber(today) - FREE_PLAN_DAYS);
  const days = [...eachDay(startDate, endDate)];
  const done = await stored.keys(
    CoinHistory,
    days.map((date) => ({ coin_id: coinId, date })),
  );
  const runs = missingRuns(startDate, endDate, (day) => done.has(coinDayKey(coinId, day)));
  return runs
    .flatMap((run) => (plan === 'pro' ? [run] : chunkRun(run, FREE_PLAN_CHUNK_DAYS)))
    .map((chunk) => {
      const [from, to] = widenRange(chunk, MIN_SPAN_DAYS, { today, oldest });
      const fromSeconds = dayNumber(from) * 86_400;
      const toSeconds = dayNumber(to) * 86_400 + TO_MARGIN_SECONDS;
      return new Request<ChunkMeta>({
        url:
          `${base}/coins/${encodeURIComponent(coinId)}/market_chart/range` +
          `?vs_currency=usd&from=${fromSeconds}&to=${toSeconds}`,
        uniqueKey: `coingecko_market_chart:${coinId}:${chunk[0]}:${chunk[1]}`,
        label: `${coinId} ${chunk[0]}..${chunk[1]}`,
        group: coinId,
        callback,
        meta: { coinId, days: chunk },
      });
    });
}

/** The items of one `/market_chart/range` answer: one per day of the chunk. */
export function marketChartItems(
  response: Response<ChunkMeta>,
  stats: SpiderContext['stats'],
): CoinHistoryItem[] {
  const { coinId, days } = response.meta;
  const body = readApiAnswer(response, coinId);
  const prices = pointsByDay(body.prices);
  const marketCaps = pointsByDay(body.market_caps);
  const volumes = pointsByDay(body.total_volumes);
  if (!prices || !marketCaps || !volumes) {
    throw new RetryRequest('malformed_body', 'the body is JSON but not a market chart');
  }
  // Only the chunk's own days: the points of the days it was widened by are not what was asked for.
  return [...eachDay(days[0], days[1])].map((date) => {
    const price = prices.get(date) ?? null;
    const marketCap = marketCaps.get(date) ?? null;
    const volume = volumes.get(date) ?? null;
    // No point in any series: a day before the coin traded (or a gap), stored as nulls like /history's.
    if (!price && !marketCap && !volume) stats.inc('coingecko/no_market_data_count');
    return coinHistoryItemFromRangePoints(coinId, date, {
      price,
      market_cap: marketCap,
      total_volume: volume,
    });
  });
}

/**
 * A series' daily snapshots by ISO day, or undefined when it isn't an array of [ms, number | null].
 * The series can differ in length (a day may lack a volume), so each is indexed on its own. Only
 * points exactly at 00:00 UTC are snapshots: the trailing "now" point, or hourly points, are not.
 */
function pointsByDay(series: unknown): Map<string, RangePoint> | undefined {
  if (!Array.isArray(series)) return undefined;
  const byDay = new Map<string, RangePoint>();
  for (const point of series as unknown[]) {
    if (!isPoint(point)) return undefined;
    if (point[0] % MS_PER_DAY === 0) byDay.set(isoDay(point[0] / MS_PER_DAY), point);
  }
  return byDay;
}

function isPoint(value: unknown): value is RangePoint {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isFinite(value[0]) &&
    (value[1] === null || Number.isFinite(value[1]))
  );
}
