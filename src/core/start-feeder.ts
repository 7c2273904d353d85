/**
 * Feeds a spider's start requests to the queue as it drains, as Scrapy consumes `start_requests`: a
 * batch at the start, and another whenever fewer than half a batch wait in line. A crawl of ten years
 * times a hundred coins starts at once, and only a window of its start requests is ever in memory.
 *
 * One batch is read at a time (a second call while one runs waits for it); an error the spider's
 * `startRequests()` throws half-way is kept and thrown by `check()`, so the engine can stop the
 * crawl gracefully and then report it.
 */
export class StartFeeder {
  private readonly values: AsyncIterator<unknown>;
  private done = false;
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  /**
   * @param values the start output, read lazily (see `streamOutput`).
   * @param place where each batch goes (requests into the queue, items through the pipelines).
   * @param batchSize how many values are read at a time.
   */
  constructor(
    values: AsyncIterable<unknown>,
    private readonly place: (batch: unknown[]) => Promise<void>,
    readonly batchSize: number,
  ) {
    this.values = values[Symbol.asyncIterator]();
  }

  /** Whether every start value has been read and placed (or reading them failed). */
  get exhausted(): boolean {
    return this.done && !this.running;
  }

  /** Reads and places the next batch; resolves once it is placed. */
  feed(): Promise<void> {
    this.running ??= this.readBatch().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Feeds batches in the background while `wanted()` says more are wanted, unless a feed is on its
   * way or all were read. Batch after batch, not one per call: a resumed crawl whose start requests
   * are mostly done (each batch adds few) catches up at once instead of a batch per engine poll.
   */
  feedInBackground(wanted: () => boolean): void {
    if (this.done || this.running) return;
    const loop = async (): Promise<void> => {
      do await this.readBatch();
      while (!this.done && wanted());
    };
    this.running = loop().finally(() => (this.running = undefined));
    this.running.catch(() => undefined); // kept in `failure`, thrown by check()
  }

  /** Whether reading or placing a batch threw (then `check()` throws it). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Throws what reading or placing the start output threw, if anything. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Stops reading: the rest of the start output is left unread (a stop, or a failure elsewhere). */
  async close(): Promise<void> {
    this.done = true;
    await this.running?.catch(() => undefined);
    await this.values.return?.();
  }

  private async readBatch(): Promise<void> {
    if (this.done) return;
    const batch: unknown[] = [];
    try {
      while (batch.length < this.batchSize) {
        const next = await this.values.next();
        if (next.done) {
          this.done = true;
          break;
        }
        batch.push(next.value);
      }
      if (batch.length > 0) await this.place(batch);
    } catch (error) {
      this.done = true;
      this.failure = { error };
      throw error;
    }
  }
}
