import type { LimitState, RateDecision } from './rate-limiter.ts';

/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*` (Go's duration
 * format): `20ms` below a second, else hours, minutes and seconds with up to
 * three decimals, e.g. `1s`, `1.5s`, `6m0s`, `1h0m0s`.
 */
export function formatResetDuration(seconds: number): string {
  const ms = Math.max(0, Math.ceil(seconds * 1000));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const secondsText = String(Number(((ms % 60_000) / 1000).toFixed(3)));
  if (hours > 0) return `${hours}h${minutes}m${secondsText}s`;
  if (minutes > 0) return `${minutes}m${secondsText}s`;
  return `${secondsText}s`;
}

function put(headers: Record<string, string>, kind: 'requests' | 'tokens', state: LimitState): void {
  headers[`x-ratelimit-limit-${kind}`] = String(state.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(state.remaining);
  headers[`x-ratelimit-reset-${kind}`] = formatResetDuration(state.resetSeconds);
}

/**
 * The headers OpenAI clients read, for successful answers and refusals alike:
 * `x-ratelimit-{limit,remaining,reset}-requests`, the `-tokens` trio when
 * there is a token limit, and on a refusal `Retry-After` (whole seconds, at
 * least 1) with `retry-after-ms`, which the OpenAI SDKs prefer.
 */
export function rateLimitHeaders(decision: RateDecision, into: Record<string, string> = {}): Record<string, string> {
  if (decision.requests) put(into, 'requests', decision.requests);
  if (decision.tokens) put(into, 'tokens', decision.tokens);
  if (!decision.allowed && decision.retryAfterMs !== undefined) {
    into['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    into['retry-after-ms'] = String(Math.max(0, Math.ceil(decision.retryAfterMs)));
  }
  return into;
}
