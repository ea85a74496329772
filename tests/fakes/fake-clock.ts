/**
 * A clock the test moves by hand, with a sleep on it. With `autoAdvance`, a
 * sleep moves the clock by its length and resolves at once (for tests about
 * which waits happen); without, it waits for `advance` (for tests about what
 * happens during a wait). Either way an aborted signal rejects the sleep at
 * once with the signal's reason and forgets it, like the real one.
 */
export class FakeClock {
  time = 0;
  /** Every sleep asked for, in milliseconds. */
  readonly sleeps: number[] = [];
  private readonly timers = new Set<{ at: number; resolve: () => void }>();

  constructor(private readonly autoAdvance = false) {}

  readonly now = (): number => this.time;

  advance(ms: number): void {
    this.time += ms;
    for (const timer of [...this.timers]) {
      if (timer.at <= this.time) {
        this.timers.delete(timer);
        timer.resolve();
      }
    }
  }

  /** Sleeps not yet over. */
  get pending(): number {
    return this.timers.size;
  }

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.autoAdvance) {
      this.time += ms;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = {
        at: this.time + ms,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers.delete(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.timers.add(timer);
    });
  };
}
