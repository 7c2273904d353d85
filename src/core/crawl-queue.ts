/**
 * The crawl's request queue, Crawlee's v1 RequestQueue, with what a resumable crawl needs around it:
 *
 * - In memory, or on disk in JOB_DIR, kept between runs (that is the resume). Crawlee's v1 queue: the
 *   v2 queue persists its request locks, which would hide a killed crawl's in-flight requests for the
 *   lock time.
 * - With a job dir, a second queue where each failed request leaves a record (one, added once), so the
 *   next run puts it back in line, whether it was a start request or one found on the way.
 * - In memory, a handled request is dropped a little later (`forget`), and Crawlee's own caches are
 *   bounded (`RequestQueue` below): a long crawl's queue does not hold every request it ever sent.
 *   What filters a duplicate is then the set of keys seen here (a KeySet: 20 bytes of each), as
 *   Scrapy's dupefilter keeps one fingerprint per request.
 */
import { Configuration, ConfigurationOptions, LocalEventManager, RequestQueueV1 } from '@crawlee/basic';
import { MemoryStorage } from '@crawlee/memory-storage';
import { randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { KeySet } from './key-set';
import type { RequestData } from './request';

/** What the queue keeps of a request besides its URL (JSON only: it may be written to JOB_DIR). */
export interface QueuedRequestData {
  request: RequestData;
  /** Why it failed, when it did: such a request is put back in line by the next run. */
  failed?: string;
}

/**
 * What became of a request given to the queue:
 * - `queued`: in line to be sent by this run (new, or a resumed job dir's failed start request put back);
 * - `duplicate`: its key was given to the queue before, in this run (the duplicates filter);
 * - `resumed`: a resumed job dir had it in line already (counted with what the queue had in line);
 * - `done`: a resumed job dir had it handled: it is not sent again.
 */
export type Placement = 'queued' | 'duplicate' | 'resumed' | 'done';

/** A request as the queue takes it. */
export interface QueueEntry {
  url: string;
  uniqueKey: string;
  userData: QueuedRequestData;
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
 * Entries kept by each of Crawlee's two caches of an in-memory queue. Crawlee keeps one entry for every
 * request it was ever given, up to a million (an LRU of request records, and a table of a million key
 * slots allocated up front: 16 MB before the first request), about 600 bytes of heap per request in
 * all, which the heap's growth between collections makes about 2 KB of RSS: a 100,000-day crawl
 * held 200 MB more than a 1,000-day one. Nothing is lost by a smaller cache: a miss only asks the
 * storage, and duplicates are filtered by the keys seen (CrawlQueue.add).
 */
const CRAWLEE_CACHE_ENTRIES = 1000;

type SeenKeyTable = RequestQueueV1['requestSeenCache'];

/**
 * Crawlee's v1 queue with its caches bounded (see CRAWLEE_CACHE_ENTRIES), for a queue in memory.
 * Named as Crawlee's own: its storage manager picks the storage client by the class's name.
 */
class RequestQueue extends RequestQueueV1 {
  constructor(...args: ConstructorParameters<typeof RequestQueueV1>) {
    super(...args);
    this.requestCache.maxLength = CRAWLEE_CACHE_ENTRIES;
    // The key table's size is fixed at construction, and its class is not exported: a smaller one of
    // the same class replaces it (the million-slot one is garbage from here on).
    const SeenCache = this.requestSeenCache.constructor as new (size: number) => SeenKeyTable;
    this.requestSeenCache = new SeenCache(CRAWLEE_CACHE_ENTRIES);
  }
}

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
  /** The key of every request given to the queue by this run: the duplicates filter. */
  private readonly seenKeys = new KeySet();

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
      const queue = (await RequestQueue.open(null, { config })) as RequestQueue;
      return new CrawlQueue(queue, config, undefined);
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

  /**
   * Adds requests, all at the front of the line or all at the back; what became of each, in their
   * order. `from` says whether they are start requests (a resumed job dir's failed one goes back in line).
   */
  async add(
    entries: readonly QueueEntry[],
    forefront: boolean,
    from: 'start' | 'callback',
  ): Promise<Placement[]> {
    // The first copy of each key not given before, its key reserved at once: start requests and a
    // callback's requests may be added at the same time.
    const unique = new Map<string, QueueEntry>();
    for (const entry of entries) if (this.seenKeys.add(entry.uniqueKey)) unique.set(entry.uniqueKey, entry);
    const placements = new Map<QueueEntry, Placement>();
    if (unique.size > 0) {
      try {
        const { addedRequests } = await this.crawlee.addRequestsBatched([...unique.values()], {
          forefront,
          waitForAllRequestsToBeAdded: true,
          // Crawlee sleeps a second between batches of 1,000 by default: one batch, no sleep.
          batchSize: Math.max(1000, unique.size),
          waitBetweenBatchesMillis: 0,
        });
        for (const added of addedRequests)
          placements.set(unique.get(added.uniqueKey) as QueueEntry, await this.placement(added, from));
      } catch (error) {
        for (const key of unique.keys()) this.seenKeys.delete(key); // not queued: not seen either
        throw error;
      }
    }
    return entries.map((entry) => placements.get(entry) ?? 'duplicate');
  }

  /** What Crawlee's report on an added request means for this run. */
  private async placement(
    added: { requestId: string; wasAlreadyPresent: boolean; wasAlreadyHandled: boolean },
    from: 'start' | 'callback',
  ): Promise<Placement> {
    // Only a resumed job dir's queue can have a request this run has not given it.
    if (!added.wasAlreadyPresent) return 'queued';
    if (!added.wasAlreadyHandled) return 'resumed';
    // A start request that failed last time, as its stored data says (a job dir of an earlier version
    // has only that), goes back in line.
    const failedBefore =
      from === 'start' && (await this.putBackInLine(added.requestId, (data) => data.failed !== undefined));
    return failedBefore ? 'queued' : 'done';
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
