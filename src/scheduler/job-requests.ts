/**
 * What a daily run or a backfill asks the queue for, checked the same way wherever it comes from:
 * `daily --enqueue` and `backfill` on the command line, or the status page's actions. A bad value
 * is a UsageError naming the flag (or the page's field) and the value.
 */
import { checkDay, FilterNames, FLAG_NAMES, validateCrawlArgs } from '../core/crawl-args';
import { UsageError } from '../core/errors';
import type { Settings } from '../settings';
import { checkSpiderName, findSpider } from '../spiders';
import { todayUtc } from '../util/dates';
import { BackfillRequest, dailyRange } from './jobs';

export interface RequestNames extends FilterNames {
  date: string;
  spider: string;
}

export const FLAG_REQUEST_NAMES: RequestNames = { ...FLAG_NAMES, date: '--date', spider: '--spider' };

export interface DailyRequest {
  /** The day the jobs are for. */
  date: string;
  coinIds: string[];
  /** The days each coin's job crawls: the day and its catch-up window. */
  startDate: string;
  endDate: string;
}

/** The daily run for `date` (default today, UTC) and `coinIds` (default DAILY_COINS). */
export function checkDailyRequest(
  raw: { date?: unknown; coinIds?: string[] },
  settings: Settings,
  names: RequestNames = FLAG_REQUEST_NAMES,
  today = todayUtc(),
): DailyRequest {
  const date = raw.date === undefined ? today : checkDay(names.date, raw.date);
  if (date > today)
    throw new UsageError(`${names.date} ${date} is after today (${today}, UTC): there is no data yet`);
  const fromInput = raw.coinIds !== undefined;
  const args = validateCrawlArgs(
    {
      coinIds: fromInput ? (raw.coinIds as string[]) : settings.DAILY_COINS,
      coinSource: fromInput ? names.coinIds : 'DAILY_COINS',
      ...dailyRange(date, settings),
    },
    today,
    names,
  );
  return { date, coinIds: args.coinIds, startDate: args.startDate, endDate: args.endDate };
}

/** A backfill of `coinIds` over start..end (both required) with `spider`. */
export function checkBackfillRequest(
  raw: { coinIds?: string[]; startDate?: string; endDate?: string; spider: string },
  names: RequestNames = FLAG_REQUEST_NAMES,
  today = todayUtc(),
): BackfillRequest {
  const args = validateCrawlArgs(
    { coinIds: raw.coinIds ?? [], startDate: String(raw.startDate ?? ''), endDate: raw.endDate as string },
    today,
    names,
  );
  const spider = checkSpiderName(raw.spider, names.spider);
  // Jobs are cut by coin and month: only a spider that takes coins and days can run them.
  if (!findSpider(spider)?.spiderArguments?.some((argument) => argument.name === 'coin-id'))
    throw new UsageError(
      `${names.spider} ${spider}: backfill runs spiders that take coins and days (coingecko_history, coingecko_market_chart)`,
    );
  return { ...args, spider };
}
