import type { Spread } from './stats.ts';

/** The seed's overhead targets: latency increase of a profile over observability off. */
export const TARGETS = [
  { profile: 'metrics', limit: 1.01, label: 'metrics < 1 %' },
  { profile: 'tracing-10', limit: 1.02, label: 'tracing 10 % < 2 %' },
  { profile: 'tracing-100', limit: 1.05, label: 'tracing 100 % < 5 %' },
] as const;

export type Measure = 'cpu_per_request' | 'p50_latency';

/**
 * `pass`: every round's paired ratio is within the limit; `fail`: every one is
 * beyond it; `inconclusive`: the rounds straddle the limit, so this machine's
 * scatter is larger than the distance to the limit and the run cannot tell.
 */
export type Outcome = 'pass' | 'fail' | 'inconclusive';

export interface TargetInput {
  runtime: string;
  workload: string;
  profile: string;
  measure: Measure;
  /** Paired ratio profile ÷ off, one per round. */
  ratio: Spread;
}

export interface TargetVerdict {
  runtime: string;
  target: string;
  workload: string;
  measure: Measure;
  /** Median of the per-round ratios. */
  ratio: number;
  /** Smallest and largest per-round ratio: the interval the verdict is drawn from. */
  low: number;
  high: number;
  rounds: number;
  limit: number;
  outcome: Outcome;
}

/**
 * How sure the interval [smallest, largest per-round ratio] is to contain the
 * true median ratio: each round's ratio falls on either side of the median
 * with probability ½, so all n on one side has probability 2·½ⁿ (n = 5: 94 %).
 */
export function intervalConfidence(rounds: number): number {
  return rounds < 2 ? 0 : 1 - 2 * 0.5 ** rounds;
}

/** One verdict per runtime × target × workload × measure, from the whole interval of per-round ratios. */
export function checkTargets(inputs: readonly TargetInput[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const target of TARGETS) {
    for (const input of inputs) {
      if (input.profile !== target.profile) continue;
      const { median, min, max, n } = input.ratio;
      verdicts.push({
        runtime: input.runtime,
        target: target.label,
        workload: input.workload,
        measure: input.measure,
        ratio: median,
        low: min,
        high: max,
        rounds: n,
        limit: target.limit,
        outcome: max <= target.limit ? 'pass' : min > target.limit ? 'fail' : 'inconclusive',
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
