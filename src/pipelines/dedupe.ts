/**
 * `dedupe`: the same item twice in one crawl goes through once (Scrapy's duplicates filter, for
 * items), by the key its item type declares; items of a type without a key all pass. The later copy
 * is an expected drop: nothing is lost.
 */
import { DropItem } from '../core/errors';
import type { ItemType } from '../core/item';
import { KeySet } from '../core/key-set';
import type { ItemPipeline } from '../core/pipeline';

export class DedupePipeline implements ItemPipeline {
  private readonly seen = new Map<ItemType, KeySet>();

  process(item: object, type: ItemType): object {
    if (!type.key) return item;
    const key = type.key(item);
    let seen = this.seen.get(type);
    if (!seen) this.seen.set(type, (seen = new KeySet()));
    if (!seen.add(key)) throw new DropItem(`duplicate ${type.name} ${key}`);
    return item;
  }
}
