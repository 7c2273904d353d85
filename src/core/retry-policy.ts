/**
 * When to try a request again, and how long to wait first.
 *
 * Transient failures (RETRY_HTTP_CODES, network errors, timeouts, malformed bodies) are retried up to
 * RETRY_TIMES with exponential backoff and "equal jitter": the n-th retry waits between half and all
 * of min(RETRY_BACKOFF_MAX, RETRY_BACKOFF_BASE * 2^n) seconds, so retries of many requests don't
 * arrive together. Rate-limit answers have their own budget (RATE_LIMIT_RETRY_TIMES): being told to
 * slow down is not a sign that the request is broken.
 */
import type { Settings } from '../settings';

export class RetryPolicy {
  private readonly retryStatuses: ReadonlySet<number>;

  constructor(
    private readonly settings: Pick<
      Settings,
      | 'RETRY_ENABLED'
      | 'RETRY_TIMES'
      | 'RETRY_HTTP_CODES'
      | 'RETRY_BACKOFF_BASE'
      | 'RETRY_BACKOFF_MAX'
      | 'RATE_LIMIT_RETRY_TIMES'
    >,
    private readonly random: () => number = Math.random,
  ) {
    this.retryStatuses = new Set(settings.RETRY_HTTP_CODES);
  }

  isRetryableStatus(status: number): boolean {
    return this.retryStatuses.has(status);
  }

  /** May a request that has already been retried `retries` times be retried again? */
  canRetry(retries: number): boolean {
    return this.settings.RETRY_ENABLED && retries < this.settings.RETRY_TIMES;
  }

  canRetryRateLimited(rateLimitRetries: number): boolean {
    return rateLimitRetries < this.settings.RATE_LIMIT_RETRY_TIMES;
  }

  /** Milliseconds to wait before retry number `retry` (0 for the first retry). */
  backoffMs(retry: number): number {
    const ceiling =
      Math.min(this.settings.RETRY_BACKOFF_MAX, this.settings.RETRY_BACKOFF_BASE * 2 ** retry) * 1000;
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }
}
