// Why: the public option and record types of the mock API, apart from the server code; server.ts re-exports
// them, and the crawler's tests import them from there.
import type { FaultKind } from './faults';
import type { Outcome, RateLimitForm } from './responses';

export type { FaultKind, Outcome, RateLimitForm };
export type MockPlan = 'public' | 'demo' | 'pro';

export interface MockRateLimit {
  /** Requests admitted per sliding window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  /** How a refusal looks (default 'json'). */
  form?: RateLimitForm;
  /** Send the retry-after header (seconds, rounded up, time until the window admits again; default true). */
  sendRetryAfter?: boolean;
}

export interface MockFaults {
  /** Seed of the PRNG deciding faults (default 1). Same seed + same request order => same faults. */
  seed?: number;
  /** Probabilities 0..1 per request to a data route. */
  error5xx?: number;
  reset?: number;
  hang?: number;
  truncated?: number;
}

export interface MockApiOptions {
  /** Default 0 = random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'pro' (no 365-day rule); 'public' and 'demo' refuse older dates with 401 + the 10012 body. */
  plan?: MockPlan;
  /** ISO YYYY-MM-DD, default today's UTC date (taken per request); later dates => 200 without market_data. */
  today?: string;
  /** When set, every /api/v3 request must carry it (header or query form of the plan); else 401 (10002). */
  apiKey?: string;
  rateLimit?: MockRateLimit;
  faults?: MockFaults;
  /** Added delay before each answer (default 0). */
  latencyMs?: number;
  /** How long a 'hang' fault holds the socket before destroying it (default 30000). */
  hangMs?: number;
  /** Keep every request in `requests` (default true; the CLI turns it off so memory stays flat). */
  keepRequests?: boolean;
  /** Called once per request when its outcome is known (the CLI logs with it). */
  onRequest?: (record: MockRequestRecord) => void;
}

export interface MockRequestRecord {
  /** Date.now() when received. */
  at: number;
  method: string;
  path: string;
  coinId?: string;
  /** ISO date of the requested data (history `date`, range `from`). */
  date?: string;
  /** HTTP status, or 0 for reset/hang. */
  status: number;
  outcome: Outcome;
  headers: Record<string, string | string[] | undefined>;
  /** The retry-after (seconds) sent with a rate-limit refusal. */
  retryAfterSeconds?: number;
}

export interface MockApi {
  /** Base URL including '/api/v3', e.g. http://127.0.0.1:41234/api/v3 */
  url: string;
  port: number;
  /** Every request received, in order. */
  readonly requests: MockRequestRecord[];
  /** The next `count` requests to a data route get this fault (or this HTTP status), after the key check. */
  failNext(count: number, fault: FaultKind | number): void;
  /**
   * Change options at run time (rate limit, faults, plan, today, api key, latency, hang time; not port/host).
   * A new `rateLimit` starts with an empty window; new `faults` restart the PRNG from their seed.
   */
  configure(patch: Partial<MockApiOptions>): void;
  /** Stops listening and destroys open (also hanging) sockets. */
  close(): Promise<void>;
}
