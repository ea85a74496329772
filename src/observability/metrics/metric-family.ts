/** A sample as prom-client's Registry renders it. */
export interface MetricValue {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  metricName?: string;
}
