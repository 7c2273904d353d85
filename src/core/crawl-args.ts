/**
 * Checks the crawl's own arguments (coins, dates) before anything is sent or written, and says in
 * one line what is wrong with which flag (or, for the status page, which field).
 */
import { UsageError } from './errors';
import { isIsoDay, todayUtc } from '../util/dates';

/** CoinGecko ids: lowercase letters, digits and dashes (`bitcoin`, `usd-coin`, `0x`). */
const COIN_ID = /^[a-z0-9][a-z0-9-]*$/;

/** What is wrong with a coin id, or undefined. */
export function coinIdProblem(id: string): string | undefined {
  return COIN_ID.test(id)
    ? undefined
    : 'not a CoinGecko id (lowercase letters, digits and dashes, e.g. bitcoin)';
}

/** Coins and days, checked. */
export interface CheckedCoinRange {
  coinIds: string[];
  /** First day, ISO `YYYY-MM-DD`. */
  startDate: string;
  /** Last day (inclusive). */
  endDate: string;
}

/** How errors name the three inputs: the flags, or the status page's fields. */
export interface FilterNames {
  coinIds: string;
  startDate: string;
  endDate: string;
}

export const FLAG_NAMES: FilterNames = {
  coinIds: '--coin-id',
  startDate: '--start-date',
  endDate: '--end-date',
};

export interface RawCrawlArgs {
  coinIds: string[];
  /** Where the ids came from, for errors (default `--coin-id`). */
  coinSource?: string;
  startDate: string;
  endDate?: string;
}

/** `--coin-id`, `--start-date`, `--end-date` of a command line, checked. */
export function crawlArgsFromArgv(argv: Record<string, unknown>): CheckedCoinRange {
  return validateCrawlArgs({
    coinIds: argv['coin-id'] as string[],
    startDate: argv['start-date'] as string,
    endDate: argv['end-date'] as string | undefined,
  });
}

export function validateCrawlArgs(
  raw: RawCrawlArgs,
  today = todayUtc(),
  names: FilterNames = FLAG_NAMES,
): CheckedCoinRange {
  const coinSource = raw.coinSource ?? names.coinIds;
  const coinIds = checkCoinIds(raw.coinIds ?? [], coinSource);
  if (coinIds.length === 0)
    throw new UsageError(`${coinSource}: give at least one CoinGecko id, e.g. bitcoin`);

  const startDate = checkDay(names.startDate, raw.startDate);
  const endDate = raw.endDate === undefined ? startDate : checkDay(names.endDate, raw.endDate);
  checkDayRange(startDate, endDate, today, names);
  return { coinIds, startDate, endDate };
}

/** The end not before the start, neither after today (UTC): a UsageError naming the input otherwise. */
export function checkDayRange(
  startDate: string,
  endDate: string,
  today = todayUtc(),
  names: FilterNames = FLAG_NAMES,
): void {
  if (endDate < startDate)
    throw new UsageError(`${names.endDate} ${endDate} is before ${names.startDate} ${startDate}`);
  for (const [flag, day] of [
    [names.startDate, startDate],
    [names.endDate, endDate],
  ]) {
    if (day > today)
      throw new UsageError(`${flag} ${day} is after today (${today}, UTC): there is no data yet`);
  }
}

/** Which stored days a command such as `reprocess` works on: each part optional. */
export interface DayFilter {
  coinIds?: string[];
  startDate?: string;
  endDate?: string;
}

export function validateDayFilter(
  raw: {
    coinIds?: string[];
    startDate?: string;
    endDate?: string;
  },
  names: FilterNames = FLAG_NAMES,
): DayFilter {
  const coinIds = raw.coinIds ? checkCoinIds(raw.coinIds, names.coinIds) : [];
  const startDate = raw.startDate === undefined ? undefined : checkDay(names.startDate, raw.startDate);
  const endDate = raw.endDate === undefined ? undefined : checkDay(names.endDate, raw.endDate);
  if (startDate && endDate && endDate < startDate) {
    throw new UsageError(`${names.endDate} ${endDate} is before ${names.startDate} ${startDate}`);
  }
  return { coinIds: coinIds.length ? coinIds : undefined, startDate, endDate };
}

/** Ids from `--coin-id a b,c`: split, trimmed, deduplicated, each checked. */
function checkCoinIds(texts: string[], source = '--coin-id'): string[] {
  const coinIds = [
    ...new Set(texts.flatMap((text) => String(text).split(',')).map((id) => id.trim())),
  ].filter((id) => id !== '');
  for (const id of coinIds) {
    if (coinIdProblem(id)) {
      throw new UsageError(
        `${source} ${JSON.stringify(id)}: not a CoinGecko id (lowercase letters, digits and dashes, e.g. bitcoin)`,
      );
    }
  }
  return coinIds;
}

export function checkDay(flag: string, text: unknown): string {
  const value = String(text ?? '').trim();
  if (!isIsoDay(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)}: not a real date in YYYY-MM-DD`);
  return value;
}
