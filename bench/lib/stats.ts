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
 * A confidence interval for the median of `values` from their order
 * statistics: [k-th smallest, k-th largest] misses the median only when at
 * least n-k+1 values fall on one side of it, each with probability ½. k is the
 * largest that keeps the coverage at `level` or above (with 5 values only
 * [min, max] does: 94 %; with 8, the second smallest to the second largest:
 * 93 %). No assumption about the distribution is made.
 */
export function medianInterval(values: readonly number[], level = 0.9): { low: number; high: number; confidence: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 2) return { low: sorted[0] ?? Number.NaN, high: sorted[0] ?? Number.NaN, confidence: 0 };
  // outside[k] = P(at most k-1 of n values below the median) = sum_{i<k} C(n,i) / 2^n
  const coverage = (k: number) => {
    let tail = 0;
    let choose = 1;
    for (let i = 0; i < k; i++) {
      tail += choose;
      choose = (choose * (n - i)) / (i + 1);
    }
    return 1 - (2 * tail) / 2 ** n;
  };
  let k = 1;
  while (k + 1 <= n / 2 && coverage(k + 1) >= level) k++;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: coverage(k) };
}

export interface PairedRatio extends Spread {
  /** Confidence interval for the median ratio (see medianInterval). */
  low: number;
  high: number;
  confidence: number;
}

/**
 * Overhead of a profile against the baseline measured in the same run, as a
 * ratio (1.02 = 2 % more). Paired by round: round i of the profile against
 * round i of the baseline, then the median of the per-round ratios, so that
 * drift of a shared machine between rounds cancels.
 */
export function pairedRatio(profile: readonly number[], baseline: readonly number[]): PairedRatio {
  const n = Math.min(profile.length, baseline.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(profile[i]! / baseline[i]!);
  return { ...spread(ratios), ...medianInterval(ratios) };
}

/** "+1.8 %" style, for tables. */
export function percent(ratio: number, digits = 1): string {
  const value = (ratio - 1) * 100;
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)} %`;
}
