import { CHARGE_SCRIPT, CHECK_SCRIPT } from './redis-scripts.ts';
import { redisScript, type RedisScript, type RedisScripting } from './redis-scripting.ts';
import type { DailySpend, IdentityLimits, LimitKind, RateDecision, RateLimiter, Usage } from './rate-limiter.ts';

export interface RedisRateLimiterOptions {
  client: RedisScripting;
  keyPrefix: string;
  /** `open`: allow while Redis cannot be asked; `closed`: refuse. */
  failureMode: 'open' | 'closed';
  /** Called with every failure to reach Redis (checks and charges); the caller decides how often to log. */
  onError?: (error: unknown, operation: 'check' | 'charge') => void;
}

const REFUSED: ReadonlyArray<LimitKind | undefined> = [undefined, 'requests', 'tokens', 'budget'];
/** What a client is told to wait when the limiter itself is unavailable and failure_mode is closed. */
const UNAVAILABLE_RETRY_MS = 1_000;

/**
 * Limits shared by every gateway instance that uses the same Redis and key
 * prefix: each check and each charge is one atomic script (redis-scripts.ts),
 * so N instances enforce one limit together.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly scripts: Promise<{ check: RedisScript; charge: RedisScript }>;
  private readonly open: RateDecision;
  private readonly closed: RateDecision;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.scripts = Promise.all([redisScript(CHECK_SCRIPT), redisScript(CHARGE_SCRIPT)]).then(([check, charge]) => ({ check, charge }));
    const failed = { requests: undefined, tokens: undefined, backendError: true } as const;
    this.open = Object.freeze({ ...failed, allowed: true, refused: undefined, retryAfterMs: undefined });
    this.closed = Object.freeze({ ...failed, allowed: false, refused: 'unavailable', retryAfterMs: UNAVAILABLE_RETRY_MS });
  }

  async check(identity: string, limits: IdentityLimits): Promise<RateDecision> {
    let reply: number[];
    try {
      const { check } = await this.scripts;
      const prefix = this.prefix(identity);
      reply = (await this.options.client.evalScript(check, [`${prefix}:r`, `${prefix}:t`, `${prefix}:b`], [limits.requestsPerSecond, limits.burst, limits.tokensPerMinute, limits.usdPerDay])) as number[];
    } catch (error) {
      this.options.onError?.(error, 'check');
      return this.options.failureMode === 'open' ? this.open : this.closed;
    }
    const [refusedCode, retryMs, requestsLeft, requestsResetMs, tokensLeft, tokensResetMs] = reply as [number, number, number, number, number, number];
    const refused = REFUSED[refusedCode];
    return {
      allowed: refused === undefined,
      refused,
      retryAfterMs: refused === undefined ? undefined : retryMs,
      requests: { limit: limits.burst, remaining: Math.max(0, Math.floor(requestsLeft / 1000)), resetSeconds: requestsResetMs / 1000 },
      tokens: limits.tokensPerMinute > 0 ? { limit: limits.tokensPerMinute, remaining: tokensLeft, resetSeconds: tokensResetMs / 1000 } : undefined,
      backendError: false,
    };
  }

  async charge(identity: string, limits: IdentityLimits, usage: Usage): Promise<DailySpend | undefined> {
    const tokens = limits.tokensPerMinute > 0 ? usage.tokens : 0;
    const usd = limits.usdPerDay > 0 ? usage.usd : 0;
    if (tokens <= 0 && usd <= 0) return undefined;
    try {
      const { charge } = await this.scripts;
      const prefix = this.prefix(identity);
      const reply = await this.options.client.evalScript(charge, [`${prefix}:t`, `${prefix}:b`], [limits.tokensPerMinute, tokens, limits.usdPerDay, usd]);
      // The script's reply when it charged the budget: {day, spent as a string} (Lua numbers would come back truncated to integers).
      if (Array.isArray(reply) && reply.length === 2) {
        const spent = Number(reply[1]);
        if (Number.isFinite(spent)) return { usd: spent, day: Number(reply[0]) };
      }
    } catch (error) {
      this.options.onError?.(error, 'charge');
    }
    return undefined;
  }

  shutdown(): Promise<void> {
    return this.options.client.close();
  }

  /** `{prefix}{identity}`: the braces keep an identity's keys in one Redis Cluster slot. */
  private prefix(identity: string): string {
    return `${this.options.keyPrefix}{${identity}}`;
  }
}
