/**
 * `coingecko_market_chart`: the same daily items as `coingecko_history`, from
 * `/coins/{id}/market_chart/range`, up to a year of days per request instead of one request per day.
 * At the public plan's 5 calls a minute a 4-year backfill takes 4 requests instead of 1,445 (nearly
 * 5 hours).
 */
import { RetryRequest } from '../core/errors';
import type { SpiderContext, SpiderRequest, SpiderResponse } from '../core/spider';
import { CoinHistoryItem, coinHistoryItemFromRangePoints, RangePoint } from '../items/coin-history-item';
import { eachDay, todayUtc } from '../util/dates';
import { apiBaseUrl, readApiAnswer } from './coingecko-api';
import { CoinGeckoSpider } from './coingecko-spider';
import { chunkRun, DayRange, dayNumber, isoDay, missingRuns, MS_PER_DAY, widenRange } from './day-chunks';

/** Most days per request: a year of daily points is ~40 kB, and a failed request costs at most that. */
const MAX_CHUNK_DAYS = 365;
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

interface ChunkMeta extends Record<string, unknown> {
  coinId: string;
  /** The chunk's wanted days, first and last; the request may span more. */
  days: DayRange;
}

export class CoinGeckoMarketChartSpider extends CoinGeckoSpider {
  static readonly spiderName = 'coingecko_market_chart';
  static readonly description =
    'USD price, market cap and volume per coin per day, up to 365 days a request, from /coins/{id}/market_chart/range';

  readonly name = CoinGeckoMarketChartSpider.spiderName;

  *startRequests(): Generator<SpiderRequest> {
    const base = apiBaseUrl(this.settings);
    const { coinIds, startDate, endDate, isStored } = this.args;
    const today = todayUtc();
    const oldest = this.settings.API_PLAN === 'pro' ? undefined : isoDay(dayNumber(today) - FREE_PLAN_DAYS);
    for (const coinId of coinIds) {
      const runs = missingRuns(startDate, endDate, isStored && ((day) => isStored(coinId, day)));
      for (const days of runs.flatMap((run) => chunkRun(run, MAX_CHUNK_DAYS))) {
        const [from, to] = widenRange(days, MIN_SPAN_DAYS, { today, oldest });
        const fromSeconds = dayNumber(from) * 86_400;
        const toSeconds = dayNumber(to) * 86_400 + TO_MARGIN_SECONDS;
        const meta: ChunkMeta = { coinId, days };
        yield {
          url:
            `${base}/coins/${encodeURIComponent(coinId)}/market_chart/range` +
            `?vs_currency=usd&from=${fromSeconds}&to=${toSeconds}`,
          uniqueKey: `${this.name}:${coinId}:${days[0]}:${days[1]}`,
          label: `${coinId} ${days[0]}..${days[1]}`,
          group: coinId,
          meta,
        };
      }
    }
  }

  parse(response: SpiderResponse, { stats }: SpiderContext): CoinHistoryItem[] {
    const { coinId, days } = response.request.meta as ChunkMeta;
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
