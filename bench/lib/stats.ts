/** Small, tested arithmetic for benchmark figures. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * Overhead of a profile against the baseline measured in the same run, as a
 * ratio (1.02 = 2 % more). Paired by round: round i of the profile against
 * round i of the baseline, then the median of the per-round ratios, so that
 * drift of a shared machine between rounds cancels.
 */
export function pairedRatio(profile: readonly number[], baseline: readonly number[]): Spread {
  const n = Math.min(profile.length, baseline.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(profile[i]! / baseline[i]!);
  return spread(ratios);
}

/** "+1.8 %" style, for tables. */
export function percent(ratio: number, digits = 1): string {
  const value = (ratio - 1) * 100;
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)} %`;
}
