/**
 * What a worker keeps open from one job's crawl to the next, instead of opening it again per job:
 *
 * - the throttle, by rate limit and throttle settings: its share of the API's limit holds from one job
 *   to the next, and a limit learned from 429s is not learned again per job;
 * - the download handler (its keep-alive connections: no new TCP and TLS handshake per job);
 * - the database (its connection pool, with the migrations checked once).
 *
 * Each is keyed by the settings it is built from, so a job whose spider sets them otherwise gets its
 * own. A worker runs one job at a time, so the database's retry messages go to the running job's log.
 */
import type { Logger } from 'winston';
import { createDownloadHandler, DownloadHandler } from '../core/download-handler';
import type { SharedLimit } from '../core/shared-limit';
import { Throttle } from '../core/throttle';
import type { OpenStore } from '../db/open-store';
import { openPriceStore } from '../db/open-store';
import type { Settings } from '../settings';

export class KeptAcrossCrawls {
  private readonly throttles = new Map<string, Throttle>();
  private readonly handlers = new Map<string, DownloadHandler>();
  private readonly stores = new Map<string, Promise<OpenStore>>();
  /** The log of the crawl that opened the database last: the one running now. */
  private log: () => Logger | undefined = () => undefined;

  /** The throttle of this rate limit and these throttle settings. */
  throttle(settings: Settings, rateLimit: number, sharedLimit: SharedLimit | undefined): Throttle {
    const key = JSON.stringify([
      rateLimit,
      settings.DOWNLOAD_DELAY,
      settings.RANDOMIZE_DOWNLOAD_DELAY,
      settings.RATE_LIMIT_BACKOFF_BASE,
      settings.RATE_LIMIT_BACKOFF_MAX,
      settings.AUTOTHROTTLE_ENABLED,
      settings.AUTOTHROTTLE_START_DELAY,
      settings.AUTOTHROTTLE_MAX_DELAY,
      settings.AUTOTHROTTLE_TARGET_CONCURRENCY,
    ]);
    return kept(this.throttles, key, () => new Throttle(settings, rateLimit, sharedLimit));
  }

  /** The download handler of these settings (DOWNLOAD_HANDLER, its time-out and proxies). */
  downloadHandler(settings: Settings): DownloadHandler {
    const key = JSON.stringify([
      settings.DOWNLOAD_HANDLER,
      settings.DOWNLOAD_TIMEOUT,
      settings.HTTP_PROXY,
      settings.HTTPS_PROXY,
      settings.NO_PROXY,
    ]);
    return kept(this.handlers, key, () => createDownloadHandler(settings));
  }

  /** The database of these settings, opened (and migrated) by the first crawl that needs it. */
  priceStore(settings: Settings, log: () => Logger | undefined): Promise<OpenStore> {
    this.log = log;
    const key = JSON.stringify([
      settings.DATABASE_URL,
      settings.DATA_DIR,
      settings.DB_FULL_RESPONSE,
      settings.DB_RETRY_TIMES,
      settings.DB_RETRY_BACKOFF_MAX,
    ]);
    return kept(this.stores, key, () => {
      const store = openPriceStore(settings, () => this.log());
      // A database that could not be opened is tried again by the next job.
      store.catch(() => this.stores.delete(key));
      return store;
    });
  }

  async close(): Promise<void> {
    for (const handler of this.handlers.values()) handler.close();
    this.handlers.clear();
    const stores = [...this.stores.values()];
    this.stores.clear();
    for (const store of await Promise.allSettled(stores)) {
      if (store.status === 'fulfilled') await store.value.dataSource.destroy();
    }
  }
}

/** The value kept under `key`, made (and kept) by `make` the first time. */
function kept<T>(values: Map<string, T>, key: string, make: () => T): T {
  let value = values.get(key);
  if (value === undefined) {
    value = make();
    values.set(key, value);
  }
  return value;
}
