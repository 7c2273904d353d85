/**
 * `validate`: drops items that can't be right (Scrapy's validation pipeline): a coin id, a real ISO
 * day, and USD values that are finite and not negative, or null.
 */
import { DropItem } from '../core/errors';
import type { ItemPipeline } from '../core/pipeline';
import type { CoinHistoryItem } from '../items/coin-history-item';
import { isIsoDay } from '../util/dates';

export class ValidatePipeline implements ItemPipeline<CoinHistoryItem> {
  process(item: CoinHistoryItem): CoinHistoryItem {
    const problem = findProblem(item);
    if (problem) throw new DropItem(`invalid item ${item.coin_id} ${item.date}: ${problem}`);
    return item;
  }
}

/** What is wrong with an item, or undefined when nothing is. */
export function findProblem(item: CoinHistoryItem): string | undefined {
  if (typeof item.coin_id !== 'string' || item.coin_id === '') return 'no coin id';
  if (typeof item.date !== 'string' || !isIsoDay(item.date))
    return `date ${JSON.stringify(item.date)} is not YYYY-MM-DD`;
  for (const field of ['usd_price', 'usd_market_cap', 'usd_total_volume'] as const) {
    const value = item[field];
    if (value !== null && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      return `${field} is ${JSON.stringify(value)}, not a number >= 0 or null`;
    }
  }
  if (typeof item.full_response !== 'object' || item.full_response === null) return 'no full response';
  return undefined;
}
