import { MetricFamily, type MetricValue } from './metric-family.ts';

/** One labelled series of a gauge: a number set in place. */
export class GaugeChild {
  value = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}
  set(value: number): void {
    this.value = value;
  }
}

/** A Prometheus gauge with pre-bound children (see MetricFamily). */
export class GaugeFamily extends MetricFamily<GaugeChild> {
  readonly type = 'gauge';

  protected create(labels: Readonly<Record<string, string>>): GaugeChild {
    return new GaugeChild(labels);
  }

  protected collect(child: GaugeChild, into: MetricValue[]): void {
    into.push({ labels: child.labels, value: child.value });
  }
}
