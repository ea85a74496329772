export interface FailureReporterOptions {
  /** Writes the log line; `suppressed` counts the failures since the previous line. */
  log: (error: unknown, suppressed: number) => void;
  /** Counts every failure (e.g. a metric). */
  count?: () => void;
  intervalMs?: number;
  /** Monotonic clock in ms. */
  now?: () => number;
}

/**
 * A failure callback that counts every failure but logs at most one line per
 * interval (a minute by default), saying how many it left out: an outage of
 * Redis must not turn every request into a log line.
 */
export function failureReporter(options: FailureReporterOptions): (error: unknown) => void {
  const interval = options.intervalMs ?? 60_000;
  const now = options.now ?? (() => performance.now());
  let lastLogged = -Infinity;
  let suppressed = 0;
  return function reportFailure(error) {
    options.count?.();
    const at = now();
    if (at - lastLogged < interval) {
      suppressed++;
      return;
    }
    lastLogged = at;
    options.log(error, suppressed);
    suppressed = 0;
  };
}
