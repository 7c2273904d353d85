/**
 * The arguments every coin spider takes: coins and a range of days (`--coin-id`, `--start-date`,
 * `--end-date`, or `-a coin-id=...`), with the checks and messages the CLI has always given.
 */
import { UsageError } from '../core/errors';
import type { ArgumentSpec, GivenArgument } from '../core/spider-arguments';
import { todayUtc } from '../util/dates';

/** CoinGecko ids: lowercase letters, digits and dashes (`bitcoin`, `usd-coin`, `0x`). */
const COIN_ID = /^[a-z0-9][a-z0-9-]*$/;

export interface CoinRangeArgs {
  /** The coins, deduplicated, in the order given. */
  coinId: string[];
  /** First day, ISO `YYYY-MM-DD`. */
  startDate: string;
  /** Last day (inclusive), ISO `YYYY-MM-DD`. */
  endDate: string;
}

/** What is wrong with a coin id, or undefined. */
export function coinIdProblem(id: string): string | undefined {
  return COIN_ID.test(id)
    ? undefined
    : 'not a CoinGecko id (lowercase letters, digits and dashes, e.g. bitcoin)';
}

export const COIN_ARGUMENT: ArgumentSpec = {
  name: 'coin-id',
  type: 'list',
  required: true,
  help: 'CoinGecko coin id(s), space or comma separated (also --coin-id, -c)',
  check: coinIdProblem,
};

export const RANGE_ARGUMENTS: readonly ArgumentSpec[] = [
  { name: 'start-date', type: 'date', required: true, help: 'First day, YYYY-MM-DD (also --start-date, -s)' },
  {
    name: 'end-date',
    type: 'date',
    help: 'Last day, inclusive; default: the start day (also --end-date, -e)',
  },
];

/** The range checked together: the end not before the start, neither after today (UTC). */
export function checkRange(
  startDate: string,
  endDate: string | undefined,
  today = todayUtc(),
): [string, string] {
  const end = endDate ?? startDate;
  if (end < startDate) throw new UsageError(`--end-date ${end} is before --start-date ${startDate}`);
  for (const [flag, day] of [
    ['--start-date', startDate],
    ['--end-date', end],
  ]) {
    if (day > today)
      throw new UsageError(`${flag} ${day} is after today (${today}, UTC): there is no data yet`);
  }
  return [startDate, end];
}

/** `checkArguments` of the coin spiders. */
export function checkCoinRange(values: Record<string, unknown>): CoinRangeArgs {
  const coinId = values.coinId as string[];
  if (coinId.length === 0) throw new UsageError('--coin-id: give at least one CoinGecko id, e.g. bitcoin');
  const [startDate, endDate] = checkRange(values.startDate as string, values.endDate as string | undefined);
  return { coinId, startDate, endDate };
}

/** A checked coin range as the arguments of a crawl (for `daily` and the queue's jobs). */
export function coinRangeArguments({ coinId, startDate, endDate }: CoinRangeArgs): GivenArgument[] {
  return [
    { name: 'coin-id', text: coinId, source: '--coin-id' },
    { name: 'start-date', text: startDate, source: '--start-date' },
    { name: 'end-date', text: endDate, source: '--end-date' },
  ];
}

/** The files the original project wrote: `raw/<coin_id>_<YYYY-MM-DD>.json` with these four fields. */
export const COIN_FILE_SETTINGS = {
  FILES_STORE: 'raw/{coin_id}_{date}.json',
  FILES_FIELDS: ['coin_id', 'date', 'usd_price', 'full_response'],
} as const;
