/**
 * The crawl's request queue, Crawlee's v1 RequestQueue, with what a resumable crawl needs around it:
 *
 * - In memory, or on disk in JOB_DIR, kept between runs (that is the resume). Crawlee's v1 queue: the
 *   v2 queue persists its request locks, which would hide a killed crawl's in-flight requests for the
 *   lock time.
 * - With a job dir, a second queue where each failed request leaves a record (one, added once), so the
 *   next run puts it back in line, whether it was a start request or one found on the way.
 * - In memory, a handled request is dropped a little later (`forget`): a long crawl's queue does not
 *   hold every request it ever sent. Crawlee's cache of the keys it has seen still filters a duplicate.
 */
import { Configuration, ConfigurationOptions, LocalEventManager, RequestQueueV1 } from '@crawlee/basic';
import { MemoryStorage } from '@crawlee/memory-storage';
import { randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import type { RequestData } from './request';

/** What the queue keeps of a request besides its URL (JSON only: it may be written to JOB_DIR). */
export interface QueuedRequestData {
  request: RequestData;
  /** Why it failed, when it did: such a request is put back in line by the next run. */
  failed?: string;
}

/** What the job dir's `failed` queue keeps of a failed request: which request to put back in line. */
interface FailedRecord {
  id: string;
}

/**
 * A handled request is dropped from the in-memory queue this many handled requests later: Crawlee
 * marks it handled just after its handler returns, and must find it then.
 */
const FORGET_AFTER = 64;

/**
 * Crawlee's event manager without its system snapshots: each one spawns `ps` (at every crawl's
 * start, then every second) for the autoscaling of concurrency, which this engine does not use (its
 * concurrency is fixed). A worker starts a crawl per job: that was two `ps` per job, with the memory
 * check below (BENCHMARKS.md, the market).
 */
class NoSnapshotsEventManager extends LocalEventManager {
  override async emitSystemInfoEvent(intervalCallback: () => unknown): Promise<void> {
    intervalCallback();
  }
}

/** The crawler's configuration; the memory given, so Crawlee does not ask `ps` for it either. */
function crawleeConfig(options: ConfigurationOptions): Configuration {
  const config = new Configuration({ ...options, memoryMbytes: Math.floor(totalmem() / 2 ** 20) });
  config.set('eventManager', new NoSnapshotsEventManager(config));
  return config;
}

export class CrawlQueue {
  /** Handled requests' ids, dropped from the in-memory queue FORGET_AFTER requests later. */
  private readonly handledIds: string[] = [];

  private constructor(
    /** Crawlee's queue, for the crawler and for adding requests. */
    readonly crawlee: RequestQueueV1,
    /** The storage configuration the crawler must share with the queue. */
    readonly config: Configuration,
    /** With a job dir: the records of failed requests. */
    private readonly failedQueue: RequestQueueV1 | undefined,
  ) {}

  /** The queue in memory (no job dir), or on disk in `jobDir` with the failed requests' records beside it. */
  static async open(jobDir: string): Promise<CrawlQueue> {
    if (!jobDir) {
      const config = crawleeConfig({ persistStorage: false, purgeOnStart: true });
      return new CrawlQueue(await RequestQueueV1.open(null, { config }), config, undefined);
    }
    const storageClient = new MemoryStorage({
      localDataDirectory: jobDir,
      persistStorage: true,
      // No metadata files: a kill -9 during one of their frequent rewrites can leave one half-written,
      // and the queue then fails to open. Nothing here reads them (the pending count comes from the queue).
      writeMetadata: false,
    });
    const config = crawleeConfig({ persistStorage: true, purgeOnStart: false, storageClient });
    return new CrawlQueue(
      await RequestQueueV1.open('crawl', { config, storageClient }),
      config,
      await RequestQueueV1.open('failed', { config, storageClient }),
    );
  }

  /** How many requests wait in line (a resumed queue's, before this run adds any). */
  async pendingCount(): Promise<number> {
    return (await this.crawlee.client.listHead({ limit: Number.MAX_SAFE_INTEGER })).items.length;
  }

  /** Requests that failed (or were interrupted) last time, by their records: back in line. */
  async putFailedBackInLine(): Promise<void> {
    const failedQueue = this.failedQueue;
    if (!failedQueue) return;
    for (
      let record = await failedQueue.fetchNextRequest();
      record;
      record = await failedQueue.fetchNextRequest()
    ) {
      await this.putBackInLine((record.userData as FailedRecord).id, () => true);
      await failedQueue.markRequestHandled(record);
    }
  }

  /** A failed request is put back in line by the next run with the same job dir. */
  async markFailed(id: string | undefined, data: QueuedRequestData, reason: string): Promise<void> {
    data.failed = reason;
    if (!this.failedQueue || id === undefined) return;
    await this.failedQueue.addRequest({
      url: data.request.url,
      uniqueKey: `${id} ${randomUUID()}`,
      userData: { id } satisfies FailedRecord,
    });
  }

  /**
   * How many of these just-added requests a resumed queue had done. A start request that failed last
   * time, as its stored data says (a job dir of an earlier version has only that), goes back in line.
   */
  async countDone(
    added: readonly { requestId: string; wasAlreadyHandled: boolean }[],
    from: 'start' | 'callback',
  ): Promise<number> {
    let done = 0;
    for (const { requestId, wasAlreadyHandled } of added) {
      if (!wasAlreadyHandled) continue;
      const failedBefore =
        from === 'start' && (await this.putBackInLine(requestId, (data) => data.failed !== undefined));
      if (!failedBefore) done += 1;
    }
    return done;
  }

  /** Without a job dir, drops a handled request from memory once Crawlee is surely done with it. */
  forget(id: string): void {
    if (this.failedQueue) return; // a job dir keeps every request: the resume needs them
    this.handledIds.push(id);
    if (this.handledIds.length <= FORGET_AFTER) return;
    const old = this.handledIds.shift() as string;
    this.crawlee.client.deleteRequest(old).catch(() => undefined); // memory only
  }

  /** Puts a handled request back in line with a clean slate when `when` says so; whether it did. */
  private async putBackInLine(id: string, when: (data: QueuedRequestData) => boolean): Promise<boolean> {
    const previous = await this.crawlee.getRequest(id);
    const data = previous?.userData as QueuedRequestData | undefined;
    if (!previous?.handledAt || !data || !when(data)) return false;
    delete data.failed;
    await this.crawlee.client.updateRequest({ ...previous, handledAt: undefined, userData: data } as never);
    return true;
  }
}
