/**
 * `validate`: drops items that can't be right (Scrapy's validation pipeline), by their item type's
 * own check. Such a drop is invalid data from the source: lost data, and the crawl exits 1.
 */
import { DropItem } from '../core/errors';
import type { ItemType } from '../core/item';
import type { ItemPipeline } from '../core/pipeline';

export class ValidatePipeline implements ItemPipeline {
  process(item: object, type: ItemType): object {
    const problem = type.validate?.(item);
    if (problem)
      throw new DropItem(`invalid ${type.name} ${itemLabel(item, type)}: ${problem}`, { invalid: true });
    return item;
  }
}

/** The item in words for a message: its key, when its type has one. */
export function itemLabel(item: object, type: ItemType): string {
  try {
    return type.key ? type.key(item) : 'item';
  } catch {
    return 'item';
  }
}
