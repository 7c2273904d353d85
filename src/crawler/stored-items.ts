/**
 * The spider's read-only view of storage: which of the items it could ask for every enabled store
 * already has (so an incremental crawl asks only for the rest), counted as skipped. With `--force`
 * nothing is stored as far as the spider knows.
 */
import type { ItemType } from '../core/item';
import type { PipelineChain } from '../core/pipeline';
import type { StoredItems } from '../core/spider';

export class StoredItemsView implements StoredItems {
  /** Items not asked for because they were stored. */
  readonly skipped = { count: 0 };

  constructor(
    private readonly pipelines: PipelineChain,
    private readonly force: boolean,
  ) {}

  async keys<T extends object>(type: ItemType<T>, probes: readonly Partial<T>[]): Promise<Set<string>> {
    if (this.force) return new Set();
    const stored = await this.pipelines.storedKeys(type, probes);
    this.skipped.count += stored.size;
    return stored;
  }
}
