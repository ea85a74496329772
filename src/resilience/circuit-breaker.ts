export type BreakerState = 'closed' | 'open' | 'half_open';

/** What one call proved about the provider: `ignored` for client errors and cancellations. */
export type CallOutcome = 'success' | 'failure' | 'ignored';

export interface CircuitBreakerOptions {
  /** The share of failed calls within `windowMs` that opens the breaker (0 < ratio <= 1). */
  failureRatio: number;
  /** Fewer calls than this within the window never open it. */
  minRequests: number;
  windowMs: number;
  /** How long it stays open before probes are let through. */
  openForMs: number;
  /** Probes at a time when half-open; this many successes close it. */
  halfOpenRequests: number;
  /** Monotonic milliseconds (injected for tests). */
  now?: () => number;
  /** Called on every state change, after it took effect. */
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/**
 * A permit returned by `acquire`: `REFUSED`, `CLOSED_PERMIT` for an ordinary
 * call, or a positive number for a probe (the half-open period it belongs to,
 * so that a probe settling after its period ended is not counted in the next).
 * A number rather than an object, so a call allocates nothing.
 */
export type Permit = number;
export const REFUSED: Permit = -1;
export const CLOSED_PERMIT: Permit = 0;

const BUCKETS = 10;

/**
 * A circuit breaker for one provider. Closed, it counts outcomes in a rolling
 * window of ten buckets (fixed memory, constant work per call, no timers) and
 * opens when at least `minRequests` calls in the window failed at a ratio of
 * `failureRatio` or more. Open, it refuses calls; the first call after
 * `openForMs` (checked lazily, on that call) makes it half-open, which lets
 * `halfOpenRequests` probes through at a time and refuses the rest. It closes
 * once that many probes succeeded, and opens again on a probe's failure.
 * Client errors and cancellations (`ignored`) count for nothing, and a probe
 * that ends that way frees its place for another.
 */
export class CircuitBreaker {
  private stateValue: BreakerState = 'closed';
  private openedAt = 0;
  /** The current half-open period's number (probes' permits), increasing. */
  private period = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;

  private readonly bucketMs: number;
  /** Per bucket: the bucket's index in time (floor(now / bucketMs)), its calls and its failures. */
  private readonly bucketIndex = new Float64Array(BUCKETS).fill(-1);
  private readonly bucketCalls = new Uint32Array(BUCKETS);
  private readonly bucketFailures = new Uint32Array(BUCKETS);
  private calls = 0;
  private failures = 0;
  private newest = -1;

  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.bucketMs = Math.max(1, options.windowMs / BUCKETS);
    this.now = options.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    return this.stateValue;
  }

  /**
   * Whether a call would be let through now, without taking a place (for
   * choosing among targets). An open breaker whose `open_for` has passed
   * counts as available: the call that acquires it becomes a probe.
   */
  available(): boolean {
    switch (this.stateValue) {
      case 'closed':
        return true;
      case 'open':
        return this.now() - this.openedAt >= this.options.openForMs;
      case 'half_open':
        return this.probesInFlight < this.options.halfOpenRequests;
    }
  }

  /** Asks to make a call: a permit to hand back to `settle` exactly once, or `REFUSED`. */
  acquire(): Permit {
    if (this.stateValue === 'closed') return CLOSED_PERMIT;
    if (this.stateValue === 'open') {
      if (this.now() - this.openedAt < this.options.openForMs) return REFUSED;
      this.period++;
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
      this.transition('half_open');
    }
    if (this.probesInFlight >= this.options.halfOpenRequests) return REFUSED;
    this.probesInFlight++;
    return this.period;
  }

  /** Reports how a call made under `permit` ended. */
  settle(permit: Permit, outcome: CallOutcome): void {
    if (permit === REFUSED) return;
    if (permit === CLOSED_PERMIT) {
      // A call that started before the breaker opened proves nothing about the probes.
      if (this.stateValue === 'closed' && outcome !== 'ignored') this.record(outcome === 'failure');
      return;
    }
    if (permit !== this.period || this.stateValue !== 'half_open') return;
    this.probesInFlight--;
    if (outcome === 'failure') {
      this.open();
    } else if (outcome === 'success' && ++this.probeSuccesses >= this.options.halfOpenRequests) {
      this.resetWindow();
      this.transition('closed');
    }
  }

  /** Milliseconds until a refused call might be let through (0 when one would be now). */
  retryAfterMs(): number {
    if (this.stateValue === 'open') return Math.max(0, this.openedAt + this.options.openForMs - this.now());
    // Half-open with every probe place taken: the probes decide soon; a second is a fair guess.
    if (this.stateValue === 'half_open' && this.probesInFlight >= this.options.halfOpenRequests) return 1_000;
    return 0;
  }

  private record(failed: boolean): void {
    const index = Math.floor(this.now() / this.bucketMs);
    if (index !== this.newest) this.advance(index);
    const slot = index % BUCKETS;
    this.bucketCalls[slot]!++;
    this.calls++;
    if (failed) {
      this.bucketFailures[slot]!++;
      this.failures++;
    }
    // Checked after successes too: the call that reaches min_requests may be one.
    if (this.calls >= this.options.minRequests && this.failures > 0 && this.failures >= this.options.failureRatio * this.calls) this.open();
  }

  /** Moves the window to end at bucket `index`: buckets that fell out of it are emptied (at most ten). */
  private advance(index: number): void {
    const oldest = index - BUCKETS + 1;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const at = this.bucketIndex[slot]!;
      if (at !== -1 && at >= oldest && at <= index) continue;
      this.calls -= this.bucketCalls[slot]!;
      this.failures -= this.bucketFailures[slot]!;
      this.bucketCalls[slot] = 0;
      this.bucketFailures[slot] = 0;
      this.bucketIndex[slot] = -1;
    }
    this.bucketIndex[index % BUCKETS] = index;
    this.newest = index;
  }

  private resetWindow(): void {
    this.bucketIndex.fill(-1);
    this.bucketCalls.fill(0);
    this.bucketFailures.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.newest = -1;
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private transition(to: BreakerState): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    this.options.onStateChange?.(from, to);
  }
}
