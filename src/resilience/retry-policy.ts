import { isRetryable, retryAfterOf } from './failure-facts.ts';

export interface RetryPolicyOptions {
  /** Calls per target, the first included. */
  maxAttempts: number;
  /** The cap of the first retry's random wait; doubled for each later retry. */
  initialBackoffMs: number;
  /** No wait is longer; a longer `Retry-After` ends the retries of this target. */
  maxBackoffMs: number;
  /** Uniform in [0, 1) (injected for tests). */
  random?: () => number;
}

/**
 * When to call the same target again after a failed attempt, and after how
 * long. Only failures that say they are retryable are retried (connect errors,
 * timeouts before headers, 408/409/429/5xx/529), never the request's own
 * faults nor anything unclassified. The wait is the upstream's `Retry-After`
 * when it sent one, else exponential backoff with full jitter: uniform in
 * [0, min(max_backoff, initial_backoff · 2^(retry − 1))]. A `Retry-After`
 * longer than `max_backoff` is not waited for (the upstream said it will not
 * serve sooner: better to fall back, or to give the client the error and its
 * `Retry-After`, than to hold the request), and no wait may end past the
 * deadline (the client's own time limit).
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly random: () => number;

  constructor(private readonly options: RetryPolicyOptions) {
    this.maxAttempts = options.maxAttempts;
    this.random = options.random ?? Math.random;
  }

  /**
   * The wait in milliseconds before attempt `attempts + 1`, after attempt
   * `attempts` (1 for the first call) failed with `error`; `undefined` when the
   * target should not be tried again.
   */
  delayAfter(attempts: number, error: unknown, now: number, deadline?: number): number | undefined {
    if (attempts >= this.options.maxAttempts || !isRetryable(error)) return undefined;
    const asked = retryAfterOf(error);
    let wait: number;
    if (asked !== undefined) {
      if (asked > this.options.maxBackoffMs) return undefined;
      wait = asked;
    } else {
      const cap = Math.min(this.options.maxBackoffMs, this.options.initialBackoffMs * 2 ** (attempts - 1));
      wait = this.random() * cap;
    }
    if (deadline !== undefined && now + wait >= deadline) return undefined;
    return wait;
  }
}
