/**
 * The gate in front of every request to one host: when it may go, and what the answers teach.
 *
 * Three rules decide when a request may start, and the strictest wins:
 * - A pause. A rate-limit answer (429) closes the host for its `retry-after` (or, without one, an
 *   exponential backoff with jitter), for every request, not only the one that got it.
 * - Spacing. A told limit (`--rate-limit N` per minute, or the API plan's preset) becomes one request
 *   every 60/N s, run 1 % under N so that clock jitter never crosses the server's window; AutoThrottle
 *   and DOWNLOAD_DELAY can only widen the spacing. A 429 despite the told limit halves the rate
 *   (multiplicative decrease); each admitted answer gives back 5 % of it (additive increase).
 * - A window budget, when no limit is told. A server that admits B requests per window answers the
 *   (B+1)-th with a 429 whose retry-after says when the window frees up. So the first 429 after a
 *   pause sets the budget to the number of requests that window admitted (the decrease); after the
 *   pause, up to `budget` requests go at once, then one more, the probe: if it is refused, its
 *   retry-after times the next window; if it is admitted, the budget grows by one (the increase).
 *   That sends each window exactly what it admits, with one refusal per window, where probing the
 *   rate upwards a step at a time would spend most of the crawl below the limit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoThrottle } from './autothrottle';

export interface HostThrottleOptions {
  /** Told limit in requests per minute; 0 when untold. */
  rateLimitPerMinute: number;
  /** Least ms between requests (DOWNLOAD_DELAY). */
  minDelayMs: number;
  /** RANDOMIZE_DOWNLOAD_DELAY: each gap is a random 0.5x to 1.5x minDelayMs, drawn when a request starts. */
  randomizeDelay?: boolean;
  /** AutoThrottle for this host, when enabled. */
  autoThrottle?: AutoThrottle;
  /** Pause after a 429 without retry-after: base and ceiling in ms (doubled per 429 in a row). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  random?: () => number;
}

/** What the gate handed out: returned with the answer so the gate can learn from it. */
export interface Ticket {
  epoch: number;
  probe: boolean;
  sentAt: number;
}

export interface Answer {
  /** Rate-limit answer (429 in any form). */
  rateLimited: boolean;
  /** The server said how long to wait, in ms. */
  retryAfterMs?: number;
  /** A normal answer (2xx); errors and timeouts are false. */
  ok: boolean;
}

const TOLD_RATE_MARGIN = 1.01;
const MIN_RATE_FACTOR = 1 / 64;

export class HostThrottle {
  /** Ms the host spent paused by rate limits (wall time, not summed over requests). */
  pausedMs = 0;
  /** Window budget learned from 429s; Infinity until the first one. */
  budget = Infinity;
  private pausedUntil = 0;
  private lastStartAt = -Infinity;
  private epoch = 0;
  private sentInEpoch = 0;
  private admittedInEpoch = 0;
  private probeInFlight = false;
  private rateFactor = 1;
  private rateLimitsInARow = 0;
  /** The factor of minDelayMs for the gap after the last start (RANDOMIZE_DOWNLOAD_DELAY). */
  private delayFactor = 1;
  private wakeUp: (() => void) | undefined;
  private changed = this.newChange();

  constructor(private readonly options: HostThrottleOptions) {}

  /** Waits until a request may start; throws an AbortError if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const waitMs = Math.max(this.pausedUntil, this.lastStartAt + this.spacingMs()) - now;
      if (waitMs > 0) {
        await sleep(waitMs, undefined, { signal });
        continue;
      }
      const probe = this.sentInEpoch >= this.budget;
      if (probe && this.probeInFlight) {
        await this.changed;
        continue;
      }
      this.probeInFlight ||= probe;
      this.sentInEpoch += 1;
      this.lastStartAt = now;
      if (this.options.randomizeDelay) this.delayFactor = 0.5 + (this.options.random ?? Math.random)();
      return { epoch: this.epoch, probe, sentAt: now };
    }
  }

  /** Wakes requests waiting for a probe's answer (so a stopping crawl can end them). */
  wake(): void {
    this.notify();
  }

  /** Learns from the answer to a ticket's request. */
  release(ticket: Ticket, answer: Answer): void {
    const { autoThrottle } = this.options;
    autoThrottle?.onAnswer(Date.now() - ticket.sentAt, answer.ok);
    if (ticket.probe) this.probeInFlight = false;

    if (answer.rateLimited) {
      this.rateLimitsInARow += 1;
      this.pause(answer.retryAfterMs ?? this.backoffMs());
      if (ticket.epoch === this.epoch) {
        // The first refusal of this window: it admitted what we counted, no more.
        if (this.options.rateLimitPerMinute > 0) {
          this.rateFactor = Math.max(MIN_RATE_FACTOR, this.rateFactor / 2);
        } else {
          this.budget = Math.max(1, this.admittedInEpoch);
        }
        this.epoch += 1;
        this.sentInEpoch = 0;
        this.admittedInEpoch = 0;
      }
    } else {
      this.rateLimitsInARow = 0;
      if (ticket.epoch === this.epoch) this.admittedInEpoch += 1;
      if (ticket.probe) this.budget += 1;
      this.rateFactor = Math.min(1, this.rateFactor + 0.05);
    }
    this.notify();
  }

  /** Ms between request starts now: the told rate (after decreases), AutoThrottle, DOWNLOAD_DELAY. */
  spacingMs(): number {
    const { rateLimitPerMinute, minDelayMs, autoThrottle } = this.options;
    const told =
      rateLimitPerMinute > 0 ? (60_000 * TOLD_RATE_MARGIN) / (rateLimitPerMinute * this.rateFactor) : 0;
    return Math.max(told, minDelayMs * this.delayFactor, autoThrottle?.delayMs ?? 0);
  }

  private pause(ms: number): void {
    const now = Date.now();
    const until = now + ms;
    if (until <= this.pausedUntil) return;
    this.pausedMs += until - Math.max(now, this.pausedUntil);
    this.pausedUntil = until;
  }

  private backoffMs(): number {
    const { backoffBaseMs, backoffMaxMs, random = Math.random } = this.options;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (this.rateLimitsInARow - 1));
    return ceiling / 2 + (random() * ceiling) / 2;
  }

  private newChange(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  private notify(): void {
    this.wakeUp?.();
    this.changed = this.newChange();
  }
}
