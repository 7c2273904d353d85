/**
 * Errors with a meaning for the crawl. Each says what happened and, where it can, what to do.
 */

/**
 * Bad usage or setup: flags, dates, settings, an unreachable database. Printed as one line, exit
 * code 2, no stack trace. `seeHelp: false` for problems `--help` can't solve.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly seeHelp: boolean;
  constructor(message: string, options: { seeHelp?: boolean } = {}) {
    super(message);
    this.seeHelp = options.seeHelp ?? true;
  }
}

/** Where a failure reaches: just this request, every request of its group (e.g. one coin), or the crawl. */
export type FailureScope = 'request' | 'group' | 'crawl';

/**
 * Thrown by a spider's `parse` when a response means the request can't succeed (Scrapy's IgnoreRequest).
 * Not retried. With scope `group`, the other requests of the same group are not sent either.
 */
export class IgnoreRequest extends Error {
  override name = 'IgnoreRequest';
  readonly scope: FailureScope;
  constructor(message: string, options: { scope?: FailureScope } = {}) {
    super(message);
    this.scope = options.scope ?? 'request';
  }
}

/** Thrown by a spider's `parse` when a response looks transient (malformed body): retried with backoff. */
export class RetryRequest extends Error {
  override name = 'RetryRequest';
  /** Short reason, used as the stats key `retry/reason_count/<reason>`. */
  readonly reason: string;
  constructor(reason: string, message = reason) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Thrown by a spider's `parse` for a rate-limit answer the engine can't see from the status alone
 * (e.g. a 429 body served with status 200). Handled like a 429: wait, then retry on the rate-limit budget.
 */
export class RateLimited extends Error {
  override name = 'RateLimited';
  /** How long the server asked us to wait, in ms, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Thrown by a pipeline's `process` to stop an item (Scrapy's DropItem). Counted per pipeline. A drop
 * is expected (a duplicate, an item a filter doesn't want) unless it is `invalid`: data from the
 * source that can't be right, which is lost data and makes the crawl exit 1.
 */
export class DropItem extends Error {
  override name = 'DropItem';
  readonly invalid: boolean;
  constructor(message: string, options: { invalid?: boolean } = {}) {
    super(message);
    this.invalid = options.invalid ?? false;
  }
}
