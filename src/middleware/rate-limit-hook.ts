import type { Context } from 'hono';
import type { RequestScope } from '../core/request-scope.ts';
import { limitRefusalError } from '../errors/access-errors.ts';
import { recordDecision, type AccessSeries } from '../observability/access-series.ts';
import type { ConfiguredRateLimiter, LimitPolicy } from '../rate-limit/create-rate-limiter.ts';
import { rateLimitHeaders } from '../rate-limit/rate-limit-headers.ts';
import type { IdentityLimits } from '../rate-limit/rate-limiter.ts';
import type { AppEnv } from './app-env.ts';
import type { RequestHook } from './request-hook.ts';

export interface RateLimitHookOptions {
  limiter: ConfiguredRateLimiter;
  /** The limiter's key for this request (a principal's, or a client address's). */
  identify(scope: RequestScope, c: Context<AppEnv>): string;
  /** The identity's own limits (an API key's settings); undefined: the defaults. */
  policyOf?(scope: RequestScope): LimitPolicy | undefined;
  series?: AccessSeries | undefined;
}

/**
 * One limit check per `/v1` request. It takes one request from the
 * identity's bucket; model calls (POST) are also held to its token bucket
 * and budget, while reads and deletes are not, so a caller that has spent
 * its tokens can still fetch what it stored. A refusal is a 429 (503 when the
 * limiter cannot be asked and fails closed); an allowed request's answer
 * carries the `x-ratelimit-*` headers, and its call's usage is charged to the
 * same identity afterwards (usageChargeHook).
 */
export function rateLimitHook({ limiter, identify, policyOf, series }: RateLimitHookOptions): RequestHook {
  const requestsOnly = new WeakMap<IdentityLimits, IdentityLimits>();
  const withoutUsage = (limits: IdentityLimits): IdentityLimits => {
    if (limits.tokensPerMinute === 0 && limits.usdPerDay === 0) return limits;
    let only = requestsOnly.get(limits);
    if (!only) requestsOnly.set(limits, (only = Object.freeze({ requestsPerSecond: limits.requestsPerSecond, burst: limits.burst, tokensPerMinute: 0, usdPerDay: 0 })));
    return only;
  };
  return async function checkRateLimit(scope, c) {
    const identity = identify(scope, c);
    const all = limiter.limitsFor(policyOf?.(scope));
    const limits = scope.method === 'POST' ? all : withoutUsage(all);
    const decision = await limiter.check(identity, limits);
    if (series) recordDecision(series, decision, limits);
    if (!decision.allowed) throw limitRefusalError(decision);
    scope.limitIdentity = identity;
    if (decision.requests) scope.responseHeaders = rateLimitHeaders(decision);
  };
}
