/** A sample as prom-client's Registry renders it. */
export interface MetricValue {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  metricName?: string;
}

/**
 * A metric whose series ("children") are objects held by the code that
 * updates them, created once per label set. prom-client's own `labels()`
 * hashes the label values on every update; these children need no lookup at
 * all. A family is registered in a prom-client Registry, which calls `get()`
 * at scrape time and renders the exposition.
 */
export abstract class MetricFamily<C extends { labels: Readonly<Record<string, string>> }> {
  readonly aggregator = 'sum';
  abstract readonly type: string;
  protected readonly children = new Map<string, C>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (in `labelNames` order); the same object every time. */
  child(...values: string[]): C {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = this.create(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])));
      this.children.set(key, child);
    }
    return child;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const child of this.children.values()) this.collect(child, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  protected abstract create(labels: Readonly<Record<string, string>>): C;
  protected abstract collect(child: C, into: MetricValue[]): void;
}
