/** The limits a decision can refuse on, as the metric label `limit` and the 429 codes name them. */
export type LimitKind = 'requests' | 'tokens' | 'budget';

/** What one identity may do; resolved once per key from `rate_limit` and the key's own settings. */
export interface IdentityLimits {
  /** Refill rate of the request bucket. */
  readonly requestsPerSecond: number;
  /** Size of the request bucket. */
  readonly burst: number;
  /** Size of the token bucket, refilled over a minute; 0: no token limit. */
  readonly tokensPerMinute: number;
  /** USD per UTC day; 0: no budget. */
  readonly usdPerDay: number;
}

/** One limit's state after a decision, for the `x-ratelimit-*` headers. */
export interface LimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the limit is back to its initial state if nothing more is used. */
  readonly resetSeconds: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Why not: the limit that refused, or `unavailable` (the backend is unreachable and `failure_mode` is `closed`). */
  readonly refused: LimitKind | 'unavailable' | undefined;
  /** When refused: how long until a retry can succeed. */
  readonly retryAfterMs: number | undefined;
  /** Undefined when the backend could not be asked. */
  readonly requests: LimitState | undefined;
  /** Undefined when there is no token limit (or the backend could not be asked). */
  readonly tokens: LimitState | undefined;
  /** The backend failed; the decision is the failure mode's. */
  readonly backendError: boolean;
}

/** What one finished call used: charged after it, checked before the next. */
export interface Usage {
  /** Input + output tokens. */
  readonly tokens: number;
  readonly usd: number;
}

/** An identity's budget after a charge: USD spent on one UTC day (days since the epoch, on the backend's clock). */
export interface DailySpend {
  readonly usd: number;
  readonly day: number;
}

/**
 * Per-identity limits: `check` before a call (it takes one request from the
 * bucket when it allows), `charge` after it with what it really used. Neither
 * throws: a backend failure becomes the configured failure mode's decision
 * and is reported to the limiter's failure callback. `charge` resolves to
 * the budget's state after it when it charged a budget (what the backend
 * already computes, so it costs no extra work or round trip), else undefined.
 */
export interface RateLimiter {
  check(identity: string, limits: IdentityLimits): Promise<RateDecision>;
  charge(identity: string, limits: IdentityLimits, usage: Usage): Promise<DailySpend | undefined>;
  shutdown(): Promise<void>;
}
