import type { RateLimitConfig } from '../config/schema.ts';
import { IoredisScripting } from './ioredis-scripting.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import type { DailySpend, IdentityLimits, RateDecision, RateLimiter, Usage } from './rate-limiter.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import type { RedisScripting } from './redis-scripting.ts';

/** A key's own settings (from `auth.api_keys[]`); what it leaves out comes from `rate_limit`. */
export interface LimitPolicy {
  readonly limits?: { readonly requests_per_second?: number; readonly burst?: number; readonly tokens_per_minute?: number } | undefined;
  readonly usdPerDay?: number | undefined;
}

export interface ConfiguredRateLimiter extends RateLimiter {
  /** The limits of an identity with this policy (none: the defaults); the same object each time for the same policy. */
  limitsFor(policy?: LimitPolicy): IdentityLimits;
  /** Checks with the policy's limits. */
  checkFor(identity: string, policy?: LimitPolicy): Promise<RateDecision>;
  /** Charges with the policy's limits; never throws. Resolves to the budget after the charge when one was charged. */
  chargeFor(identity: string, usage: Usage, policy?: LimitPolicy): Promise<DailySpend | undefined>;
}

export interface RateLimiterDeps {
  /** Clock for the memory backend (ms since the epoch). */
  now?: () => number;
  /** Every failure to reach Redis; see failureReporter() for logging it once a minute. */
  onError?: (error: unknown, operation: 'check' | 'charge') => void;
  /** A Redis client to use instead of one made from `url` (tests, embedding). */
  redis?: RedisScripting;
}

/** The limiter for `rate_limit`, or undefined when it is disabled (then nothing is built). */
export function createRateLimiter(config: RateLimitConfig, deps: RateLimiterDeps = {}): ConfiguredRateLimiter | undefined {
  if (!config.enabled) return undefined;
  const backend: RateLimiter =
    config.backend === 'memory'
      ? new MemoryRateLimiter({ maxIdentities: config.max_identities, now: deps.now })
      : new RedisRateLimiter({
          client: deps.redis ?? new IoredisScripting({ url: config.url, commandTimeoutMs: config.command_timeout }),
          keyPrefix: config.key_prefix,
          failureMode: config.failure_mode,
          onError: deps.onError,
        });
  const defaults: IdentityLimits = Object.freeze({
    requestsPerSecond: config.requests_per_second,
    burst: config.burst,
    tokensPerMinute: config.tokens_per_minute,
    usdPerDay: 0,
  });
  const resolved = new WeakMap<LimitPolicy, IdentityLimits>();
  const limitsFor = (policy?: LimitPolicy): IdentityLimits => {
    if (!policy || (!policy.limits && !policy.usdPerDay)) return defaults;
    let limits = resolved.get(policy);
    if (!limits) {
      limits = Object.freeze({
        requestsPerSecond: policy.limits?.requests_per_second ?? defaults.requestsPerSecond,
        burst: policy.limits?.burst ?? defaults.burst,
        tokensPerMinute: policy.limits?.tokens_per_minute ?? defaults.tokensPerMinute,
        usdPerDay: policy.usdPerDay ?? 0,
      });
      resolved.set(policy, limits);
    }
    return limits;
  };
  return {
    check: (identity, limits) => backend.check(identity, limits),
    charge: (identity, limits, usage) => backend.charge(identity, limits, usage),
    shutdown: () => backend.shutdown(),
    limitsFor,
    checkFor: (identity, policy) => backend.check(identity, limitsFor(policy)),
    chargeFor: (identity, usage, policy) => backend.charge(identity, limitsFor(policy), usage),
  };
}
