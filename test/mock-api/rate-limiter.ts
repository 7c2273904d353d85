// Why: CoinGecko refuses bursts per time window; the mock reproduces that with a sliding window over the
// admitted requests only (refusals do not extend the ban), in O(1) per request.

export type Admission = { admitted: true } | { admitted: false; retryAfterSec: number };

/** Admits a request if fewer than `limit` requests were admitted in the last `windowMs` milliseconds. */
export class SlidingWindowLimiter {
  /** Ring buffer of the last `limit` admission times; `next` points at the oldest. */
  private readonly times: number[];
  private next = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new Error(`bad rate limit ${limit}/${windowMs}ms`);
    this.times = new Array<number>(Math.floor(limit)).fill(-Infinity);
  }

  admit(now: number = Date.now()): Admission {
    const oldest = this.times[this.next];
    if (now - oldest >= this.windowMs) {
      this.times[this.next] = now;
      this.next = (this.next + 1) % this.times.length;
      return { admitted: true };
    }
    return { admitted: false, retryAfterSec: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
  }
}
