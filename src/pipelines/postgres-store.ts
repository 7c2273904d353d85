/**
 * `postgres-store`: every CoinHistoryItem into the daily table, with its month recomputed (see
 * PriceStore). Other item types pass it untouched.
 *
 * Group commit: items that arrive while a transaction runs wait for the next one, which takes them
 * all (up to DB_BATCH_SIZE). A quiet crawl commits each item at once; a busy one commits hundreds per
 * transaction. `process` resolves only once the item's row is committed, so a request counts as done
 * (and a resumed crawl skips it) only when its data is in the database; and since every item holds
 * its request's slot until then, memory stays bounded by the concurrency.
 */
import type { ItemType } from '../core/item';
import type { ItemPipeline, PipelineContext } from '../core/pipeline';
import type { PriceStore } from '../db/price-store';
import { CoinHistory, coinDayKey, CoinHistoryItem } from '../items/coin-history-item';

interface Waiting {
  item: CoinHistoryItem;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class PostgresStorePipeline implements ItemPipeline<CoinHistoryItem> {
  readonly handles = [CoinHistory];
  private waiting: Waiting[] = [];
  private committing: Promise<void> | undefined;
  private context: PipelineContext | undefined;

  constructor(
    private readonly store: PriceStore,
    private readonly batchSize: number,
    /** Where the database is, in words, without its password. */
    private readonly description: string,
  ) {}

  describeStorage(): string {
    return this.description;
  }

  open(context: PipelineContext): void {
    this.context = context;
  }

  process(item: CoinHistoryItem): Promise<CoinHistoryItem> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve: () => resolve(item), reject });
      this.commitNext();
    });
  }

  /** The days of `probes` with a row whose data is final (a recent day without data is not). */
  async storedKeys(
    type: ItemType<CoinHistoryItem>,
    probes: readonly Partial<CoinHistoryItem>[],
  ): Promise<Set<string>> {
    // Only the days asked about: an index probe each, however far apart they are.
    const keys = probes.map((probe) => ({ coin_id: probe.coin_id ?? '', date: probe.date ?? '' }));
    const rows = await this.store.storedDays(keys);
    const now = new Date();
    const stored = new Set<string>();
    for (const probe of probes) {
      const row = rows.get(`${probe.coin_id}\u0000${probe.date}`);
      if (row && (type.isFinal?.(row, now) ?? true)) stored.add(coinDayKey(row.coin_id, row.date));
    }
    return stored;
  }

  async close(): Promise<void> {
    while (this.committing) await this.committing;
  }

  private commitNext(): void {
    if (this.committing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.batchSize);
    const stats = this.context?.stats;
    this.committing = this.store
      .saveDays(batch.map((entry) => entry.item))
      .then(
        (changed) => {
          stats?.inc('db/transaction_count');
          stats?.inc('db/rows_changed_count', changed);
          for (const entry of batch) entry.resolve();
        },
        (error: unknown) => {
          stats?.inc('db/failed_transaction_count');
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        this.committing = undefined;
        this.commitNext();
      });
  }
}
