/**
 * A rate limit shared by every process that sends with the same API key to the same host
 * (RATE_LIMIT_SCOPE=database). The throttle consults it; an implementation keeps the state where all
 * processes see it (src/db/shared-rate-limit.ts keeps it in Postgres). The engine knows only this
 * interface, so it stays free of any storage.
 *
 * Three things are shared: the next free start (so a told rate of N a minute is N a minute for all of
 * them together, spread evenly over whoever is sending: a process that stops or dies frees its part
 * at once), a pause (so a retry-after seen by one holds every one of them), and an untold limit once
 * learned: the fleet's requests admitted in the window that first refused one of them, and that
 * window's length. Learned, it is kept like a told rate (its budget spread evenly over the window),
 * so the processes do not each burst a budget of their own and probe past it.
 */

/** An untold limit as the processes learned it together: `budget` requests per `windowMs`. */
export interface LearnedLimit {
  budget: number;
  windowMs: number;
}

/** The shared limit of one key and host. */
export interface SharedHostLimit {
  /**
   * Waits for the next start free for all processes, `spacingMs` after the previous one (and not
   * before a shared pause ends), and takes it: the request may go at once. Rejects only when `signal`
   * aborts: when the shared state cannot be reached, the process keeps its own spacing until it can.
   */
  claim(spacingMs: number, signal?: AbortSignal): Promise<void>;
  /** Pauses every process until `untilMs` (epoch ms, this process's clock); a later pause wins. */
  pause(untilMs: number): void;
  /** The latest shared pause known here (epoch ms; 0 when none). */
  pausedUntil(): number;
  /** The untold limit learned by any of the processes; undefined until one learned it. */
  learned(): LearnedLimit | undefined;
  /** Counts an answer admitted to a request sent at `sentAt` toward the window being learned. */
  admitted(sentAt: number): void;
  /**
   * A refusal while nothing is learned: what all processes had admitted is the window's budget. With
   * `windowEndsAt` (the retry-after: when the window frees up) its length is learned at once; without,
   * when a request is admitted again (`reopened`).
   */
  refused(windowEndsAt?: number): void;
  /** The window refused without retry-after admitted a request sent at `sentAt`: its length is known. */
  reopened(sentAt: number): void;
}

/** The shared limits of one process, per host (its key is fixed when it is opened). */
export interface SharedLimit {
  forHost(host: string): SharedHostLimit;
  /** Live processes sharing the key's limit (this one included), for the log. */
  processes(): Promise<number>;
  /** Leaves the limit (its share goes to the others at once) and closes the connection. */
  close(): Promise<void>;
}
