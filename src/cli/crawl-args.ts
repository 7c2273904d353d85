/**
 * Checks the crawl's own arguments (coins, dates, spider) before anything is sent or written, and
 * says in one line what is wrong with which flag.
 */
import { UsageError } from '../core/errors';
import { checkRange, coinIdProblem, CoinRangeArgs } from '../spiders/coin-arguments';
import { isIsoDay, todayUtc } from '../util/dates';

/** Coins and days as the CLI checked them: `coinIds` for the commands, `coinId` for the spiders. */
export interface CheckedCoinRange extends CoinRangeArgs {
  coinIds: string[];
}

export interface RawCrawlArgs {
  coinIds: string[];
  /** Where the ids came from, for errors (default `--coin-id`). */
  coinSource?: string;
  startDate: string;
  endDate?: string;
}

/** `--coin-id`, `--start-date`, `--end-date` of a command line, checked (`backfill`). */
export function crawlArgsFromArgv(argv: Record<string, unknown>): CheckedCoinRange {
  return validateCrawlArgs({
    coinIds: argv['coin-id'] as string[],
    startDate: argv['start-date'] as string,
    endDate: argv['end-date'] as string | undefined,
  });
}

/** The coins and days of `daily` and `backfill`, with the messages of the crawl's own checks. */
export function validateCrawlArgs(raw: RawCrawlArgs, today = todayUtc()): CheckedCoinRange {
  const coinIds = checkCoinIds(raw.coinIds, raw.coinSource);
  if (coinIds.length === 0)
    throw new UsageError(`${raw.coinSource ?? '--coin-id'}: give at least one CoinGecko id, e.g. bitcoin`);
  const startDate = checkDay('--start-date', raw.startDate);
  const endDate = raw.endDate === undefined ? startDate : checkDay('--end-date', raw.endDate);
  checkRange(startDate, endDate, today);
  return { coinIds, coinId: coinIds, startDate, endDate };
}

/** Which stored days a command such as `reprocess` works on: each part optional. */
export interface DayFilter {
  coinIds?: string[];
  startDate?: string;
  endDate?: string;
}

export function validateDayFilter(raw: {
  coinIds?: string[];
  startDate?: string;
  endDate?: string;
}): DayFilter {
  const coinIds = raw.coinIds ? checkCoinIds(raw.coinIds) : [];
  const startDate = raw.startDate === undefined ? undefined : checkDay('--start-date', raw.startDate);
  const endDate = raw.endDate === undefined ? undefined : checkDay('--end-date', raw.endDate);
  if (startDate && endDate && endDate < startDate) {
    throw new UsageError(`--end-date ${endDate} is before --start-date ${startDate}`);
  }
  return { coinIds: coinIds.length ? coinIds : undefined, startDate, endDate };
}

/** Ids from `--coin-id a b,c`: split, trimmed, deduplicated, each checked. */
function checkCoinIds(texts: string[], source = '--coin-id'): string[] {
  const coinIds = [
    ...new Set(texts.flatMap((text) => String(text).split(',')).map((id) => id.trim())),
  ].filter((id) => id !== '');
  for (const id of coinIds) {
    const problem = coinIdProblem(id);
    if (problem) throw new UsageError(`${source} ${JSON.stringify(id)}: ${problem}`);
  }
  return coinIds;
}

export function checkDay(flag: string, text: unknown): string {
  const value = String(text ?? '').trim();
  if (!isIsoDay(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)}: not a real date in YYYY-MM-DD`);
  return value;
}
