import type { CallOutcome } from './circuit-breaker.ts';

/**
 * What resilience needs to know about a failed call, read by structure so it
 * binds to the typed upstream failure without importing it: whether trying
 * again can help (connect errors, timeouts before headers, 408/409/429/5xx/529
 * are; the request's own faults are not), how long the upstream asked us to
 * wait, and its HTTP status when it answered with one. A GatewayError's
 * `status` stands in for `upstreamStatus` when there is none.
 */
export interface FailureFacts {
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly upstreamStatus?: number;
  readonly status?: number;
}

/** Statuses in 4xx that say something about the upstream rather than the request. */
const UPSTREAM_4XX = new Set([408, 409, 429]);

function facts(error: unknown): FailureFacts | undefined {
  return typeof error === 'object' && error !== null ? (error as FailureFacts) : undefined;
}

/** True only for a failure that says so: an unclassified error is never retried. */
export function isRetryable(error: unknown): boolean {
  return facts(error)?.retryable === true;
}

/** The wait the upstream asked for (`Retry-After`, `retry-after-ms`), if any. */
export function retryAfterOf(error: unknown): number | undefined {
  const ms = facts(error)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * How a failed call counts for its provider's breaker. A client that went
 * away (`signal` aborted) and a request the upstream refused as the client's
 * fault (4xx other than 408, 409, 429) say nothing about the provider's
 * health; everything else (5xx, 529, timeouts, unreachable, unreadable
 * answers) is a failure.
 */
export function breakerOutcome(error: unknown, signal: { readonly aborted: boolean }): CallOutcome {
  if (signal.aborted) return 'ignored';
  const f = facts(error);
  const status = typeof f?.upstreamStatus === 'number' ? f.upstreamStatus : f?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && !UPSTREAM_4XX.has(status)) return 'ignored';
  return 'failure';
}
