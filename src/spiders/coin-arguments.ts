/**
 * The arguments every coin spider takes: coins and a range of days (`--coin-id`, `--start-date`,
 * `--end-date`, or `-a coin-id=...`), with the checks and messages the CLI has always given.
 */
import { CheckedCoinRange, checkDayRange, coinIdProblem } from '../core/crawl-args';
import { UsageError } from '../core/errors';
import type { ArgumentSpec, GivenArgument } from '../core/spider-arguments';

export interface CoinRangeArgs {
  /** The coins, deduplicated, in the order given. */
  coinId: string[];
  /** First day, ISO `YYYY-MM-DD`. */
  startDate: string;
  /** Last day (inclusive), ISO `YYYY-MM-DD`. */
  endDate: string;
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

/** The range checked together: the end (default the start) not before the start, neither after today (UTC). */
export function checkRange(startDate: string, endDate: string | undefined): [string, string] {
  const end = endDate ?? startDate;
  checkDayRange(startDate, end);
  return [startDate, end];
}

/** `checkArguments` of the coin spiders. */
export function checkCoinRange(values: Record<string, unknown>): CoinRangeArgs {
  const coinId = values.coinId as string[];
  if (coinId.length === 0) throw new UsageError('--coin-id: give at least one CoinGecko id, e.g. bitcoin');
  const [startDate, endDate] = checkRange(values.startDate as string, values.endDate as string | undefined);
  return { coinId, startDate, endDate };
}

/** Checked coins and days as the arguments of a crawl (for `daily` and the queue's jobs). */
export function coinRangeArguments({ coinIds, startDate, endDate }: CheckedCoinRange): GivenArgument[] {
  return [
    { name: 'coin-id', text: coinIds, source: '--coin-id' },
    { name: 'start-date', text: startDate, source: '--start-date' },
    { name: 'end-date', text: endDate, source: '--end-date' },
  ];
}

/** The files the original project wrote: `raw/<coin_id>_<YYYY-MM-DD>.json` with these four fields. */
export const COIN_FILE_SETTINGS = {
  FILES_STORE: 'raw/{coin_id}_{date}.json',
  FILES_FIELDS: ['coin_id', 'date', 'usd_price', 'full_response'],
} as const;
