import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * CPU seconds a process has used so far, summed over its threads, with
 * nanosecond resolution (Linux schedstat; /proc/PID/stat counts 10 ms ticks,
 * too coarse for a 1 % difference over a few seconds).
 */
export function cpuSeconds(pid: number): number {
  let nanos = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return nanos / 1e9;
}

/** Peak resident set size in bytes (VmHWM). */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export function machine(): { cpu: string; cores: number; memory_gib: number } {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, memory_gib: Math.round(totalmem() / 2 ** 30) };
}
