import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux unless built otherwise). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime, in clock ticks, from a /proc stat line (fields 14 and 15; the name may hold spaces). */
function statTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU seconds a process has used so far, over all its threads, the ended ones
 * included. Live threads are read from their schedstat (nanoseconds; the
 * tick counts of /proc/PID/stat are 10 ms, too coarse for a 1 % difference
 * over a few seconds). A thread that has ended is gone from /proc/PID/task,
 * but its time stays in the process's own utime and stime: that remainder
 * (process ticks minus the live threads' ticks) is added, so that a runtime
 * that ends threads (Bun does) does not seem to give CPU time back.
 */
export function cpuSeconds(pid: number): number {
  let nanos = 0;
  let liveTicks = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const schedstat = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      nanos += Number(schedstat.split(' ')[0]);
      liveTicks += statTicks(stat);
    } catch {
      // the thread ended between listing and reading: its time is in the process total below
    }
  }
  const endedTicks = Math.max(0, statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) - liveTicks);
  return nanos / 1e9 + endedTicks / CLOCK_TICKS;
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
