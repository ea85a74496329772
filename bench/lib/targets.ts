import type { Spread } from './stats.ts';

/** The seed's overhead targets: latency increase of a profile over observability off. */
export const TARGETS = [
  { profile: 'metrics', limit: 1.01, label: 'metrics < 1 %' },
  { profile: 'tracing-10', limit: 1.02, label: 'tracing 10 % < 2 %' },
  { profile: 'tracing-100', limit: 1.05, label: 'tracing 100 % < 5 %' },
] as const;

export type Measure = 'cpu_per_request' | 'p50_latency';

export interface TargetInput {
  runtime: string;
  workload: string;
  profile: string;
  measure: Measure;
  /** Paired ratio profile ÷ off. */
  ratio: Spread;
}

export interface TargetVerdict {
  runtime: string;
  target: string;
  workload: string;
  measure: Measure;
  ratio: number;
  limit: number;
  pass: boolean;
}

/**
 * One verdict per runtime × target × workload × measure. A target holds when
 * the median paired ratio is within its limit.
 */
export function checkTargets(inputs: readonly TargetInput[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const target of TARGETS) {
    for (const input of inputs) {
      if (input.profile !== target.profile) continue;
      verdicts.push({
        runtime: input.runtime,
        target: target.label,
        workload: input.workload,
        measure: input.measure,
        ratio: input.ratio.median,
        limit: target.limit,
        pass: input.ratio.median <= target.limit,
      });
    }
  }
  return verdicts;
}

/** Per runtime and target: PASS only when every workload and measure passes. */
export function summarize(verdicts: readonly TargetVerdict[]): Array<{ runtime: string; target: string; pass: boolean; worst: number }> {
  const groups = new Map<string, { runtime: string; target: string; pass: boolean; worst: number }>();
  for (const v of verdicts) {
    const key = `${v.runtime}\u0000${v.target}`;
    const group = groups.get(key) ?? { runtime: v.runtime, target: v.target, pass: true, worst: 0 };
    group.pass &&= v.pass;
    group.worst = Math.max(group.worst, v.ratio);
    groups.set(key, group);
  }
  return [...groups.values()];
}
