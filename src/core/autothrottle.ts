/**
 * AutoThrottle, as Scrapy does it (scrapy/extensions/throttle.py), one instance per host.
 *
 * The delay between two requests to a host starts at AUTOTHROTTLE_START_DELAY. After each answer the
 * server's latency says how busy it is: to keep TARGET_CONCURRENCY requests in flight, a request
 * should start every `latency / TARGET_CONCURRENCY` seconds. The new delay is the mean of that target
 * and the old delay (so it moves smoothly), never below the target, and kept between DOWNLOAD_DELAY
 * and AUTOTHROTTLE_MAX_DELAY. An error answer never lowers the delay: error pages are small and fast,
 * and reading their speed as "the server is idle" would speed up exactly when we should slow down.
 */
import type { Settings } from '../settings';

export type AutoThrottleSettings = Pick<
  Settings,
  'AUTOTHROTTLE_START_DELAY' | 'AUTOTHROTTLE_MAX_DELAY' | 'AUTOTHROTTLE_TARGET_CONCURRENCY' | 'DOWNLOAD_DELAY'
>;

export class AutoThrottle {
  /** Current delay between requests to the host, in ms. */
  delayMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly settings: AutoThrottleSettings) {
    this.minMs = settings.DOWNLOAD_DELAY * 1000;
    this.maxMs = settings.AUTOTHROTTLE_MAX_DELAY * 1000;
    this.delayMs = Math.max(this.minMs, settings.AUTOTHROTTLE_START_DELAY * 1000);
  }

  /** Learns from one answer: `ok` is false for errors, timeouts and rate limits. */
  onAnswer(latencyMs: number, ok: boolean): void {
    const target = latencyMs / this.settings.AUTOTHROTTLE_TARGET_CONCURRENCY;
    const smoothed = Math.max(target, (this.delayMs + target) / 2);
    const next = Math.min(Math.max(this.minMs, smoothed), this.maxMs);
    if (!ok && next <= this.delayMs) return;
    this.delayMs = next;
  }
}
