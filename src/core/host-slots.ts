/**
 * CONCURRENT_REQUESTS_PER_DOMAIN (Scrapy's): at most N downloads in flight to one host, on top of
 * CONCURRENT_REQUESTS for the whole crawl. A slot is held from before the throttle's gate to the
 * end of the download (not while a callback reads the answer), as Scrapy's downloader slots are.
 * 0: no per-host limit. Waiters are served first come, first served.
 */
export class HostSlots {
  private readonly hosts = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(private readonly perHost: number) {}

  /** Whether a limit is set at all: without one, callers skip the bookkeeping. */
  get limited(): boolean {
    return this.perHost > 0;
  }

  /** Waits for a free slot on `host`; rejects with the signal's reason when it aborts first. */
  async acquire(host: string, signal?: AbortSignal): Promise<void> {
    let slot = this.hosts.get(host);
    if (!slot) this.hosts.set(host, (slot = { active: 0, waiting: [] }));
    if (slot.active < this.perHost) {
      slot.active += 1;
      return;
    }
    const queue = slot.waiting;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = queue.indexOf(wake);
        if (at >= 0) queue.splice(at, 1);
        reject(signal?.reason);
      };
      // The slot is handed over by release(): `active` stays counted for the waiter.
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(wake);
    });
  }

  release(host: string): void {
    const slot = this.hosts.get(host);
    if (!slot) return;
    const next = slot.waiting.shift();
    if (next) next();
    else slot.active -= 1;
  }
}
