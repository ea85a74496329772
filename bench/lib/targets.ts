import type { PairedRatio } from './stats.ts';

/** The seed's overhead targets: latency increase of a profile over observability off. */
export const TARGETS = [
  { profile: 'metrics', limit: 1.01, label: 'metrics < 1 %' },
  { profile: 'tracing-10', limit: 1.02, label: 'tracing 10 % < 2 %' },
  { profile: 'tracing-100', limit: 1.05, label: 'tracing 100 % < 5 %' },
] as const;

export type Measure = 'cpu_per_request' | 'p50_latency' | 'cpu_per_event';

/**
 * `pass`: the confidence interval of the median paired ratio lies within the
 * limit; `fail`: it lies beyond; `inconclusive`: it straddles the limit, so
 * this machine's scatter is larger than the distance to the limit.
 */
export type Outcome = 'pass' | 'fail' | 'inconclusive';

export interface TargetInput {
  runtime: string;
  workload: string;
  profile: string;
  measure: Measure;
  /** Paired ratio profile ÷ off over the rounds. */
  ratio: PairedRatio;
}

export interface TargetVerdict {
  runtime: string;
  target: string;
  workload: string;
  measure: Measure;
  /** Median of the per-round ratios. */
  ratio: number;
  /** Confidence interval of the median ratio, the interval the verdict is drawn from. */
  low: number;
  high: number;
  confidence: number;
  rounds: number;
  limit: number;
  outcome: Outcome;
}

/** One verdict per runtime × target × workload × measure, from the confidence interval of the median ratio. */
export function checkTargets(inputs: readonly TargetInput[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const target of TARGETS) {
    for (const input of inputs) {
      if (input.profile !== target.profile) continue;
      const { median, low, high, confidence, n } = input.ratio;
      verdicts.push({
        runtime: input.runtime,
        target: target.label,
        workload: input.workload,
        measure: input.measure,
        ratio: median,
        low,
        high,
        confidence,
        rounds: n,
        limit: target.limit,
        outcome: high <= target.limit ? 'pass' : low > target.limit ? 'fail' : 'inconclusive',
      });
    }
  }
  return verdicts;
}

export interface TargetSummary {
  runtime: string;
  target: string;
  /** `fail` if any workload or measure fails, else `inconclusive` if any is, else `pass`. */
  outcome: Outcome;
  /** The largest median ratio over the workloads and measures. */
  worst: number;
}

/** Per runtime and target: a target holds only when every workload and measure passes. */
export function summarize(verdicts: readonly TargetVerdict[]): TargetSummary[] {
  const rank: Record<Outcome, number> = { pass: 0, inconclusive: 1, fail: 2 };
  const groups = new Map<string, TargetSummary>();
  for (const v of verdicts) {
    const key = `${v.runtime}\u0000${v.target}`;
    const group = groups.get(key) ?? { runtime: v.runtime, target: v.target, outcome: 'pass' as Outcome, worst: 0 };
    if (rank[v.outcome] > rank[group.outcome]) group.outcome = v.outcome;
    group.worst = Math.max(group.worst, v.ratio);
    groups.set(key, group);
  }
  return [...groups.values()];
}
