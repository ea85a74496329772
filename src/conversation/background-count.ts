/**
 * `conversation_active_count` for a remote store without a query per scrape:
 * the exact count is read every `intervalMs` in the background (one query at
 * a time), and this instance's own creations and deletions are added in
 * between. Other instances' changes and expiries therefore show within one
 * interval: that is the gauge's staleness bound.
 *
 * A write of this instance that overlaps a count query may or may not be in
 * its result, so such a result is not taken: the query is repeated (up to
 * five times, briefly); under steady load the fifth is taken anyway, off at
 * most by the writes that overlapped it until the next interval.
 */
export class BackgroundCount {
  private value = 0;
  /** This instance's net changes since `value` was read. */
  private delta = 0;
  /** Writes under way (begun, not yet settled). */
  private pending = 0;
  /** Counts every settled write, so a query can tell whether one overlapped it. */
  private changes = 0;
  private running: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly query: () => Promise<number>,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly retryMs = 20,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
    // Node and Bun: the refresh alone does not keep a process alive (Deno's timers are plain numbers).
    (this.timer as { unref?: () => void }).unref?.();
  }

  current(): number {
    return Math.max(0, this.value + this.delta);
  }

  /**
   * Wraps one write that changes the count by `n` once it succeeds
   * (`n` may depend on the write's result).
   */
  async track<T>(write: () => Promise<T>, change: (result: T) => number): Promise<T> {
    this.pending++;
    try {
      const result = await write();
      this.delta += change(result);
      return result;
    } finally {
      this.pending--;
      this.changes++;
    }
  }

  /** Reads the exact count now; concurrent callers share one query. */
  refresh(): Promise<number> {
    this.running ??= (async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const changes = this.changes;
        const quiet = this.pending === 0;
        const result = await this.query();
        // Under steady load a quiet moment may never come: the last attempt is taken anyway, wrong at
        // most by the writes that overlapped it, until the next interval.
        if ((quiet && this.pending === 0 && this.changes === changes) || attempt === 4) {
          this.value = result;
          this.delta = 0;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running.then(() => this.current());
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
