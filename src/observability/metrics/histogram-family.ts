import { MetricFamily, type MetricValue } from './metric-family.ts';

/** One labelled series of a histogram: bucket counts, sum and count, updated in place. */
export class HistogramChild {
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    // Binary search for the first bound >= value (Prometheus buckets are `le`).
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]!++;
    this.sum += value;
    this.count++;
  }
}

/** A Prometheus histogram with pre-bound children (see MetricFamily). */
export class HistogramFamily extends MetricFamily<HistogramChild> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }

  protected create(labels: Readonly<Record<string, string>>): HistogramChild {
    return new HistogramChild(labels, this.bounds);
  }

  protected collect(child: HistogramChild, into: MetricValue[]): void {
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += child.counts[i]!;
      const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
      into.push({ metricName: `${this.name}_bucket`, labels: { ...child.labels, le }, value: cumulative });
    }
    into.push({ metricName: `${this.name}_sum`, labels: child.labels, value: child.sum });
    into.push({ metricName: `${this.name}_count`, labels: child.labels, value: child.count });
  }
}
