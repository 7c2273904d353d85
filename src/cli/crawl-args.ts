/**
 * Checks the crawl's own arguments (coins, dates, spider) before anything is sent or written, and
 * says in one line what is wrong with which flag.
 */
import { UsageError } from '../core/errors';
import type { SpiderArgs } from '../core/spider';
import { isIsoDay, todayUtc } from '../util/dates';

/** CoinGecko ids: lowercase letters, digits and dashes (`bitcoin`, `usd-coin`, `0x`). */
const COIN_ID = /^[a-z0-9][a-z0-9-]*$/;

export interface RawCrawlArgs {
  coinIds: string[];
  /** Where the ids came from, for errors (default `--coin-id`). */
  coinSource?: string;
  startDate: string;
  endDate?: string;
}

/** `--coin-id`, `--start-date`, `--end-date` of a command line, checked. */
export function crawlArgsFromArgv(argv: Record<string, unknown>): SpiderArgs {
  return validateCrawlArgs({
    coinIds: argv['coin-id'] as string[],
    startDate: argv['start-date'] as string,
    endDate: argv['end-date'] as string | undefined,
  });
}

export function validateCrawlArgs(raw: RawCrawlArgs, today = todayUtc()): SpiderArgs {
  const coinIds = checkCoinIds(raw.coinIds, raw.coinSource);
  if (coinIds.length === 0)
    throw new UsageError(`${raw.coinSource ?? '--coin-id'}: give at least one CoinGecko id, e.g. bitcoin`);

  const startDate = checkDay('--start-date', raw.startDate);
  const endDate = raw.endDate === undefined ? startDate : checkDay('--end-date', raw.endDate);
  if (endDate < startDate) throw new UsageError(`--end-date ${endDate} is before --start-date ${startDate}`);
  for (const [flag, day] of [
    ['--start-date', startDate],
    ['--end-date', endDate],
  ]) {
    if (day > today)
      throw new UsageError(`${flag} ${day} is after today (${today}, UTC): there is no data yet`);
  }
  return { coinIds, startDate, endDate };
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
    if (!COIN_ID.test(id)) {
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
