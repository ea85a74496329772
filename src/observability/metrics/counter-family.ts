import { MetricFamily, type MetricValue } from './metric-family.ts';

/** One labelled series of a counter: a number the hot path adds to directly. */
export class CounterChild {
  value = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}
  inc(amount = 1): void {
    this.value += amount;
  }
}

/** A Prometheus counter with pre-bound children (see MetricFamily). */
export class CounterFamily extends MetricFamily<CounterChild> {
  readonly type = 'counter';

  protected create(labels: Readonly<Record<string, string>>): CounterChild {
    return new CounterChild(labels);
  }

  protected collect(child: CounterChild, into: MetricValue[]): void {
    into.push({ labels: child.labels, value: child.value });
  }
}
