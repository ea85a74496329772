import { budgetRetryMs, DAY_MS, refill, requestRetryMs, requestState, tokenRetryMs, tokenState } from './bucket-math.ts';
import type { DailySpend, IdentityLimits, RateDecision, RateLimiter, Usage } from './rate-limiter.ts';

interface IdentityState {
  requests: number;
  requestsAt: number;
  tokens: number;
  tokensAt: number;
  day: number;
  spent: number;
  /** From then on the state equals a fresh one (buckets full, nothing spent today): it can be forgotten. */
  idleAt: number;
}

export interface MemoryRateLimiterOptions {
  /** At most this many identities are tracked; beyond, the least recently seen is forgotten. */
  maxIdentities: number;
  /** Clock in milliseconds since the epoch (the budget's day is UTC). */
  now?: () => number;
}

/** Entries looked at per call for expiry: enough to keep up with any arrival rate, never a full scan. */
const SWEEP_PER_CALL = 2;

/**
 * Limits kept in this process. The Map is in least-recently-seen order (an
 * identity is moved to the end whenever it is seen), so the oldest idle
 * entries are at its front: each call drops those that have fully recovered,
 * and past `maxIdentities` the least recently seen goes first. No timers.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly states = new Map<string, IdentityState>();
  private readonly now: () => number;

  constructor(private readonly options: MemoryRateLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.states.size;
  }

  async check(identity: string, limits: IdentityLimits): Promise<RateDecision> {
    const now = this.now();
    const state = this.touch(identity, limits, now);
    let refused: RateDecision['refused'];
    let retryAfterMs: number | undefined;

    if (limits.usdPerDay > 0 && state.day === Math.floor(now / DAY_MS) && state.spent >= limits.usdPerDay) {
      refused = 'budget';
      retryAfterMs = budgetRetryMs(now);
    }
    let tokens: RateDecision['tokens'];
    if (limits.tokensPerMinute > 0) {
      const level = refill(state.tokens, state.tokensAt, now, limits.tokensPerMinute, limits.tokensPerMinute / 60_000);
      if (!refused && level <= 0) {
        refused = 'tokens';
        retryAfterMs = tokenRetryMs(limits, level);
      }
      tokens = tokenState(limits, level);
    }
    let level = refill(state.requests, state.requestsAt, now, limits.burst, limits.requestsPerSecond / 1000);
    if (!refused) {
      if (level >= 1) level -= 1;
      else {
        refused = 'requests';
        retryAfterMs = requestRetryMs(limits, level);
      }
      state.requests = level;
      state.requestsAt = now;
      this.updateIdle(state, limits);
    }
    return { allowed: refused === undefined, refused, retryAfterMs, requests: requestState(limits, level), tokens, backendError: false };
  }

  async charge(identity: string, limits: IdentityLimits, usage: Usage): Promise<DailySpend | undefined> {
    const now = this.now();
    const state = this.touch(identity, limits, now);
    let spend: DailySpend | undefined;
    if (limits.tokensPerMinute > 0 && usage.tokens > 0) {
      state.tokens = refill(state.tokens, state.tokensAt, now, limits.tokensPerMinute, limits.tokensPerMinute / 60_000) - usage.tokens;
      state.tokensAt = now;
    }
    if (limits.usdPerDay > 0 && usage.usd > 0) {
      const day = Math.floor(now / DAY_MS);
      if (state.day !== day) {
        state.day = day;
        state.spent = 0;
      }
      state.spent += usage.usd;
      spend = { usd: state.spent, day };
    }
    this.updateIdle(state, limits);
    return spend;
  }

  async shutdown(): Promise<void> {
    this.states.clear();
  }

  /** The identity's state, moved to the most recently seen end; expired and surplus entries go. */
  private touch(identity: string, limits: IdentityLimits, now: number): IdentityState {
    let state = this.states.get(identity);
    if (state) {
      this.states.delete(identity);
      if (now >= state.idleAt) state = undefined;
    }
    this.sweep(now);
    if (!state) {
      state = { requests: limits.burst, requestsAt: now, tokens: limits.tokensPerMinute, tokensAt: now, day: Math.floor(now / DAY_MS), spent: 0, idleAt: now };
      while (this.states.size >= this.options.maxIdentities) this.states.delete(this.states.keys().next().value!);
    }
    this.states.set(identity, state);
    return state;
  }

  private sweep(now: number): void {
    for (let i = 0; i < SWEEP_PER_CALL; i++) {
      const oldest = this.states.entries().next().value;
      if (!oldest || now < oldest[1].idleAt) return;
      this.states.delete(oldest[0]);
    }
  }

  private updateIdle(state: IdentityState, limits: IdentityLimits): void {
    let idleAt = state.requestsAt + Math.ceil((limits.burst - state.requests) / (limits.requestsPerSecond / 1000));
    if (limits.tokensPerMinute > 0) {
      idleAt = Math.max(idleAt, state.tokensAt + Math.ceil((limits.tokensPerMinute - state.tokens) / (limits.tokensPerMinute / 60_000)));
    }
    if (state.spent > 0) idleAt = Math.max(idleAt, (state.day + 1) * DAY_MS);
    state.idleAt = idleAt;
  }
}
