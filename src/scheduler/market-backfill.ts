/**
 * The plan of a market-wide backfill (`backfill --top N` / `--all`): which days, which spider, how
 * many days per job, from what the API plan serves (see the README, "The whole market").
 *
 * - Every job runs `coingecko_market_chart`: `/coins/{id}/market_chart/range` gives daily points
 *   (00:00 UTC) for any span over 90 days, with no documented cap on the span, against one request
 *   per day for `/history`.
 * - Free plans (public, demo) serve only the last 365 days: the range defaults to them, a start
 *   before is refused, and each coin is one job of one request.
 * - The pro plan serves the whole history: the range defaults to CoinGecko's first day of data
 *   (2013-04-28), and each coin is one job of one request, whatever the range.
 */
import { checkDay } from '../core/crawl-args';
import { UsageError } from '../core/errors';
import type { Settings } from '../settings';
import { addDays, dayCount, todayUtc } from '../util/dates';

/** The spider of every market-wide job. */
export const MARKET_SPIDER = 'coingecko_market_chart';
/** Days per job on the free plans, and per request: all they serve. */
export const FREE_PLAN_CHUNK_DAYS = 365;
/** The first day CoinGecko has data for (bitcoin's first point). */
export const FIRST_DATA_DAY = '2013-04-28';

export interface MarketRange {
  startDate: string;
  endDate: string;
  chunkDays: number;
  spider: string;
}

/** The days and chunks of a market-wide backfill, from the flags (both optional) and the plan. */
export function planMarketRange(
  raw: { startDate?: string; endDate?: string; spider?: string },
  settings: Pick<Settings, 'API_PLAN'>,
  today = todayUtc(),
): MarketRange {
  if (raw.spider !== undefined && raw.spider !== MARKET_SPIDER)
    throw new UsageError(
      `--spider ${raw.spider}: --top and --all run ${MARKET_SPIDER} (one request per coin and chunk of days the plan serves)`,
    );
  const free = settings.API_PLAN !== 'pro';
  // The last 365 days, today included.
  const oldest = free ? addDays(today, -364) : FIRST_DATA_DAY;
  const startDate = raw.startDate === undefined ? oldest : checkDay('--start-date', raw.startDate);
  const endDate = raw.endDate === undefined ? today : checkDay('--end-date', raw.endDate);
  if (endDate > today) throw new UsageError(`--end-date ${endDate} is after today (${today}, UTC)`);
  if (startDate > endDate) throw new UsageError(`--start-date ${startDate} is after --end-date ${endDate}`);
  if (free && startDate < oldest)
    throw new UsageError(
      `--start-date ${startDate}: the ${settings.API_PLAN} plan serves only the last 365 days (from ${oldest}); ` +
        'a pro key (COINGECKO_API_PLAN=pro) serves the whole history',
    );
  // A paid plan's job is the coin's whole range: the spider asks for it in one request.
  const chunkDays = free ? FREE_PLAN_CHUNK_DAYS : dayCount(startDate, endDate);
  return { startDate, endDate, chunkDays, spider: MARKET_SPIDER };
}
