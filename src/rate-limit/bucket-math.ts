import type { IdentityLimits, LimitState } from './rate-limiter.ts';

/**
 * The arithmetic both backends use (the Redis scripts repeat it in Lua).
 * Requests: a bucket of `burst`, refilled at `requestsPerSecond`; a request
 * takes one. Tokens: a bucket of `tokensPerMinute`, refilled over a minute;
 * a call is let in while the level is above zero, and its usage is taken
 * afterwards, so the level may go below zero and the next calls wait for it
 * to come back. Budget: USD spent per UTC day.
 */

export const DAY_MS = 86_400_000;

export function refill(level: number, at: number, now: number, capacity: number, perMs: number): number {
  return Math.min(capacity, level + Math.max(0, now - at) * perMs);
}

export function requestState(limits: IdentityLimits, level: number): LimitState {
  const perMs = limits.requestsPerSecond / 1000;
  return { limit: limits.burst, remaining: Math.max(0, Math.floor(level)), resetSeconds: Math.ceil((limits.burst - level) / perMs) / 1000 };
}

export function tokenState(limits: IdentityLimits, level: number): LimitState {
  const perMs = limits.tokensPerMinute / 60_000;
  return { limit: limits.tokensPerMinute, remaining: Math.max(0, Math.floor(level)), resetSeconds: Math.ceil((limits.tokensPerMinute - level) / perMs) / 1000 };
}

/** Milliseconds until a request bucket at `level` holds one request. */
export function requestRetryMs(limits: IdentityLimits, level: number): number {
  return Math.ceil((1 - level) / (limits.requestsPerSecond / 1000));
}

/** Milliseconds until a token bucket at `level` (≤ 0) is above zero. */
export function tokenRetryMs(limits: IdentityLimits, level: number): number {
  return Math.floor(-level / (limits.tokensPerMinute / 60_000)) + 1;
}

/** Milliseconds until the next UTC midnight, when the budget starts over. */
export function budgetRetryMs(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS - now;
}
