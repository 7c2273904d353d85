/**
 * One HostThrottle per host, built from the settings (see host-throttle.ts for the rules).
 */
import type { Settings } from '../settings';
import { AutoThrottle } from './autothrottle';
import { HostThrottle } from './host-throttle';
import type { SharedLimit } from './shared-limit';

export class Throttle {
  private readonly hosts = new Map<string, HostThrottle>();
  /** Makes a host's AutoThrottle; set by the `autothrottle` extension (AUTOTHROTTLE_ENABLED). */
  private autoThrottleFor: ((host: string) => AutoThrottle) | undefined;

  /**
   * `rateLimitPerMinute`: the told limit (RATE_LIMIT, or the spider's preset); 0 when untold.
   * `shared`: the limit shared with other processes (RATE_LIMIT_SCOPE=database); absent: this process's.
   */
  constructor(
    private readonly settings: Settings,
    readonly rateLimitPerMinute: number,
    readonly shared?: SharedLimit,
  ) {}

  /**
   * Paces each host not seen yet with its own AutoThrottle. It learns inside the gate from every
   * answer (retries included), as Scrapy's learns from every download.
   */
  useAutoThrottle(make: (host: string) => AutoThrottle): void {
    this.autoThrottleFor = make;
  }

  forHost(host: string): HostThrottle {
    let throttle = this.hosts.get(host);
    if (!throttle) {
      const { settings } = this;
      throttle = new HostThrottle({
        rateLimitPerMinute: this.rateLimitPerMinute,
        minDelayMs: settings.DOWNLOAD_DELAY * 1000,
        randomizeDelay: settings.RANDOMIZE_DOWNLOAD_DELAY,
        autoThrottle: this.autoThrottleFor?.(host),
        backoffBaseMs: settings.RATE_LIMIT_BACKOFF_BASE * 1000,
        backoffMaxMs: settings.RATE_LIMIT_BACKOFF_MAX * 1000,
        shared: this.shared?.forHost(host),
      });
      this.hosts.set(host, throttle);
    }
    return throttle;
  }

  /** Wall time hosts spent paused by rate limits, in ms (summed over hosts). */
  pausedMs(): number {
    return [...this.hosts.values()].reduce((sum, host) => sum + host.pausedMs, 0);
  }

  /** The smallest window budget learned on any host (Infinity when none was learned). */
  learnedBudget(): number {
    return Math.min(Infinity, ...[...this.hosts.values()].map((host) => host.budget));
  }

  /** The shortest window length learned on any host, in ms (0 when none was learned). */
  learnedWindowMs(): number {
    const learned = [...this.hosts.values()].map((host) => host.windowMs).filter((ms) => ms > 0);
    return learned.length ? Math.min(...learned) : 0;
  }

  wakeAll(): void {
    for (const host of this.hosts.values()) host.wake();
  }
}
