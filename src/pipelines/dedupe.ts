/**
 * `dedupe`: the same coin and day twice in one crawl goes through once (Scrapy's duplicates filter,
 * for items). The later copy is an expected drop: nothing is lost.
 */
import { DropItem } from '../core/errors';
import type { ItemPipeline } from '../core/pipeline';
import type { CoinHistoryItem } from '../items/coin-history-item';

export class DedupePipeline implements ItemPipeline<CoinHistoryItem> {
  private readonly seen = new Set<string>();

  process(item: CoinHistoryItem): CoinHistoryItem {
    const key = `${item.coin_id}\u0000${item.date}`;
    if (this.seen.has(key)) throw new DropItem(`duplicate ${item.coin_id} ${item.date}`, { lost: false });
    this.seen.add(key);
    return item;
  }
}
