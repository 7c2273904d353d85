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
 * - A window length, when the server does not say when to come back (Cloudflare's 1015 page has no
 *   retry-after). An exponential backoff would double past the window's end again and again (60 days
 *   at 20 per 5 s took 207 s for 15 s of windows). Instead, after the first refusal of a window that
 *   had admitted requests, one probe at a time goes at short steps (10 % of the time refused so far,
 *   at least RATE_LIMIT_BACKOFF_BASE), and the first one admitted again tells the window's length:
 *   the time from the window's first admitted request to it. Later refusals pause until the window
 *   they hit has that age; a window that turns out longer is learned again the same way. Refusals
 *   with no admitted request before them (a ban, not a window) still back off exponentially.
 * - A shared limit (RATE_LIMIT_SCOPE=database): the told spacing is claimed across every process
 *   on the same key and host, and a retry-after seen by one pauses all (see shared-limit.ts). An
 *   untold limit is learned from what all of them were admitted, as above; once learned (a budget
 *   and a window length), it is spread evenly like a told rate (window / budget between starts,
 *   claimed across all of them, halved by a 429 despite it), so that N processes do not each burst a
 *   budget of their own and probe past it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoThrottle } from './autothrottle';
import type { LearnedLimit, SharedHostLimit } from './shared-limit';

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
  /** The limit shared with other processes on the same key and host; absent: this process's own. */
  shared?: SharedHostLimit;
  random?: () => number;
}

/** What the gate handed out: returned with the answer so the gate can learn from it. */
export interface Ticket {
  epoch: number;
  probe: boolean;
  /** The request that finds out whether a window refused without retry-after is open again. */
  reopening?: boolean;
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
/** While a window's end is searched for, the next probe waits this share of the time refused so far. */
const LEARN_STEP_SHARE = 0.1;

export class HostThrottle {
  /** Ms the host spent paused by rate limits (wall time, not summed over requests). */
  pausedMs = 0;
  /** Window budget learned from 429s; Infinity until the first one. */
  budget = Infinity;
  /** Window length in ms learned from 429s without retry-after (admitted again after it); 0 until then. */
  windowMs = 0;
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
  /** When this window's first admitted request was sent (0: none admitted in it yet). */
  private windowStartAt = 0;
  /** The window refused without a retry-after: when it started, while its end is being found. */
  private refusedWindowStartAt = 0;
  /** Refusals since the last admitted answer came without a retry-after: go one at a time. */
  private awaitingReopen = false;
  /** The refused window's end is being searched for in steps (its length is unknown or too short). */
  private searchingWindowEnd = false;
  private wakeUp: (() => void) | undefined;
  private changed = this.newChange();

  constructor(private readonly options: HostThrottleOptions) {}

  /** Waits until a request may start; throws an AbortError if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const pausedUntil = Math.max(this.pausedUntil, this.options.shared?.pausedUntil() ?? 0);
      const waitMs = Math.max(pausedUntil, this.lastStartAt + this.spacingMs()) - now;
      if (waitMs > 0) {
        await sleep(waitMs, undefined, { signal });
        continue;
      }
      const reopening = this.awaitingReopen;
      const probe = (!this.sharedLearned() && this.sentInEpoch >= this.budget) || reopening;
      if (probe && this.probeInFlight) {
        await this.changed;
        continue;
      }
      this.probeInFlight ||= probe;
      const spacingMs = this.spacingMs();
      const { shared } = this.options;
      if (shared && spacingMs > 0) {
        // The spacing holds across every process on the key: wait for the next free start.
        try {
          await shared.claim(spacingMs, signal);
        } catch (error) {
          if (probe) this.releaseProbe();
          throw error;
        }
        // A pause that came in meanwhile wins (the start is spent: the shared rate is not exceeded).
        if (Math.max(this.pausedUntil, shared.pausedUntil()) > Date.now()) {
          if (probe) this.releaseProbe();
          continue;
        }
      }
      const sentAt = Date.now();
      this.sentInEpoch += 1;
      this.lastStartAt = shared && spacingMs > 0 ? -Infinity : sentAt;
      if (this.options.randomizeDelay) this.delayFactor = 0.5 + (this.options.random ?? Math.random)();
      return { epoch: this.epoch, probe, reopening, sentAt };
    }
  }

  private releaseProbe(): void {
    this.probeInFlight = false;
    this.notify();
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
      const told = answer.retryAfterMs !== undefined;
      if (ticket.epoch === this.epoch && (told || this.admittedInEpoch > 0)) {
        // The first refusal of this window: it admitted what we counted, no more.
        if (this.options.rateLimitPerMinute > 0 || this.sharedLearned()) {
          this.rateFactor = Math.max(MIN_RATE_FACTOR, this.rateFactor / 2);
        } else {
          this.budget = Math.max(1, this.admittedInEpoch);
        }
        this.refusedWindowStartAt = told ? 0 : this.windowStartAt;
        this.epoch += 1;
        this.sentInEpoch = 0;
        this.admittedInEpoch = 0;
        this.windowStartAt = 0;
      }
      // Without a retry-after, nobody knows when the window reopens: one request finds out.
      this.awaitingReopen = !told;
      if (told) this.searchingWindowEnd = false;
      const waitMs = answer.retryAfterMs ?? this.untoldPauseMs();
      this.pause(waitMs);
      this.options.shared?.pause(Date.now() + waitMs);
      if (this.learnsShared()) this.options.shared?.refused(told ? Date.now() + waitMs : undefined);
    } else if (ticket.reopening && !answer.ok) {
      // A reopening probe that failed (an error, a timeout, a stop) says nothing about the window:
      // the next probe finds out.
    } else {
      this.rateLimitsInARow = 0;
      if (ticket.epoch === this.epoch) {
        if (this.admittedInEpoch === 0) this.windowStartAt = ticket.sentAt;
        this.admittedInEpoch += 1;
      }
      if (ticket.probe && !ticket.reopening) this.budget += 1;
      if (this.learnsShared()) this.options.shared?.admitted(ticket.sentAt);
      if (ticket.reopening && this.searchingWindowEnd && this.refusedWindowStartAt > 0) {
        // Admitted again: the window that refused lasted until now.
        this.windowMs = ticket.sentAt - this.refusedWindowStartAt;
        if (this.learnsShared()) this.options.shared?.reopened(ticket.sentAt);
      }
      if (ticket.reopening) {
        this.awaitingReopen = false;
        this.searchingWindowEnd = false;
      }
      this.rateFactor = Math.min(1, this.rateFactor + 0.05);
    }
    this.notify();
  }

  /**
   * The pause after a refusal without retry-after: until the refused window is as old as the learned
   * length; while that length is unknown (or proved too short), a step of 10 % of the time refused so
   * far; and when no request was ever admitted (no window to measure), the exponential backoff.
   */
  private untoldPauseMs(): number {
    const { backoffBaseMs, backoffMaxMs } = this.options;
    if (this.refusedWindowStartAt === 0) return this.backoffMs();
    const now = Date.now();
    const windowEnd = this.refusedWindowStartAt + this.windowMs;
    if (this.windowMs > 0 && windowEnd > now && !this.searchingWindowEnd) return windowEnd - now;
    this.searchingWindowEnd = true;
    const refusedForMs = now - this.refusedWindowStartAt;
    return Math.min(backoffMaxMs, Math.max(backoffBaseMs, refusedForMs * LEARN_STEP_SHARE));
  }

  /**
   * Ms between request starts now: the told rate, or else the one learned by all processes on the key
   * (after decreases), AutoThrottle, DOWNLOAD_DELAY.
   */
  spacingMs(): number {
    const { rateLimitPerMinute, minDelayMs, autoThrottle } = this.options;
    const learned = this.sharedLearned();
    const rateMs =
      rateLimitPerMinute > 0
        ? (60_000 * TOLD_RATE_MARGIN) / (rateLimitPerMinute * this.rateFactor)
        : learned
          ? (learned.windowMs * TOLD_RATE_MARGIN) / (learned.budget * this.rateFactor)
          : 0;
    return Math.max(rateMs, minDelayMs * this.delayFactor, autoThrottle?.delayMs ?? 0);
  }

  /** Whether this process counts what it sees toward the untold limit its fellow processes learn. */
  private learnsShared(): boolean {
    return (
      this.options.rateLimitPerMinute === 0 && this.options.shared !== undefined && !this.sharedLearned()
    );
  }

  /**
   * The untold limit learned by the processes on the key (none when told or not shared); what it says
   * is also this gate's budget and window length (for the stats and the pause without retry-after).
   */
  private sharedLearned(): LearnedLimit | undefined {
    if (this.options.rateLimitPerMinute > 0) return undefined;
    const learned = this.options.shared?.learned();
    if (learned) {
      this.budget = learned.budget;
      this.windowMs = learned.windowMs;
    }
    return learned;
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
