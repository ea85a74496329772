/**
 * Anything with background work or open connections: exporters, stores,
 * Redis/PostgreSQL/JWKS clients, an HTTP transport's keep-alive agents.
 * `shutdown` releases it and must be safe to call twice; `forceFlush` sends
 * what it has queued, when it queues anything.
 */
export interface Lifecycle {
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface LifecycleOptions {
  /** Told about a part whose shutdown or flush failed; the others still run. */
  onError: (name: string, action: 'shutdown' | 'flush', error: unknown) => void;
}

/**
 * The parts a gateway owns, in start order. Shutting down walks them once, in
 * reverse (what started last, and may use what started before it, stops
 * first), one at a time; a second call returns the first call's promise. A
 * part that fails is reported and the walk goes on.
 */
export class Lifecycles implements Lifecycle {
  private readonly parts: Array<{ name: string; part: Lifecycle }> = [];
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  /** Registers a part that has just started. */
  add(name: string, part: Lifecycle): void {
    this.parts.push({ name, part });
  }

  /** The registered names, in start order. */
  get names(): string[] {
    return this.parts.map((p) => p.name);
  }

  async forceFlush(): Promise<void> {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const { name, part } = this.parts[i]!;
      if (!part.forceFlush) continue;
      try {
        await part.forceFlush();
      } catch (error) {
        this.options.onError(name, 'flush', error);
      }
    }
  }

  shutdown(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const { name, part } = this.parts[i]!;
      try {
        await part.shutdown();
      } catch (error) {
        this.options.onError(name, 'shutdown', error);
      }
    }
  }
}
