import type { MetricValue } from './metric-family.ts';

/** One labelled series of a counter: a number the hot path adds to directly. */
export class CounterChild {
  value = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}
  inc(amount = 1): void {
    this.value += amount;
  }
}

/**
 * A Prometheus counter whose series are objects held by the code that updates
 * them, created once per label set. prom-client's own `labels()` hashes the
 * label values on every update; these children need no lookup at all.
 * Registered in a prom-client Registry, which renders the exposition.
 */
export class CounterFamily {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, CounterChild>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (in `labelNames` order); the same object every time. */
  child(...values: string[]): CounterChild {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = new CounterChild(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])));
      this.children.set(key, child);
    }
    return child;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const child of this.children.values()) values.push({ labels: child.labels, value: child.value });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
