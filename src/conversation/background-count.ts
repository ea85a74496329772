/**
 * `conversation_active_count` for a remote store without a query per scrape:
 * the exact count is read every `intervalMs` in the background (one query at
 * a time), and this instance's own creations and deletions are added in
 * between. Other instances' changes and expiries therefore show within one
 * interval: that is the gauge's staleness bound.
 */
export class BackgroundCount {
  private value = 0;
  private delta = 0;
  private running: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly query: () => Promise<number>,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
    // Node and Bun: the refresh alone does not keep a process alive (Deno's timers are plain numbers).
    (this.timer as { unref?: () => void }).unref?.();
  }

  current(): number {
    return Math.max(0, this.value + this.delta);
  }

  add(n: number): void {
    this.delta += n;
  }

  /** Reads the exact count now; concurrent callers share one query. */
  refresh(): Promise<number> {
    this.running ??= (async () => {
      // Changes made before the query started are in its result; later ones stay in `delta`.
      const before = this.delta;
      this.value = await this.query();
      this.delta -= before;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running.then(() => this.current());
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
