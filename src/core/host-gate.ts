/**
 * A gate every request passes before it is sent, per host. When a host answers "rate limited",
 * the whole host is paused until its retry-after has passed: one 429 is enough to tell every
 * request in flight to that host to hold back, not just the one that got it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class HostGate {
  private readonly pausedUntil = new Map<string, number>();
  /** Total ms requests spent waiting at the gate (summed over requests). */
  waitedMs = 0;

  /** Resolves when the host is open. */
  async pass(host: string): Promise<void> {
    for (;;) {
      const wait = (this.pausedUntil.get(host) ?? 0) - Date.now();
      if (wait <= 0) return;
      this.waitedMs += wait;
      await sleep(wait);
    }
  }

  /** Keep the host closed for at least `ms` from now. */
  pause(host: string, ms: number): void {
    const until = Date.now() + ms;
    if (until > (this.pausedUntil.get(host) ?? 0)) this.pausedUntil.set(host, until);
  }
}
