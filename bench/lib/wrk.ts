import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './proc.ts';

export interface LoadOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** Pause after each response, per connection (paced load below saturation). */
  delayMs?: number;
  /** CPU list for taskset (the load generator's core). */
  cpu: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Microseconds. */
  latency: { p50: number; p90: number; p99: number; mean: number };
  errors: number;
  non2xx: number;
  /** CPU seconds the load generator used, and that as a share of one core. */
  loadgenCpu: number;
  loadgenCoreShare: number;
}

/**
 * Drives load with wrk (C, epoll; microsecond latency percentiles), through a
 * Lua script that posts `body` and reports JSON. wrk runs pinned to `cpu` and
 * its own CPU use is reported, to show it is not the bottleneck.
 */
export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'post.lua');
  const headers = { 'content-type': 'application/json', ...options.headers };
  writeFileSync(
    script,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(options.body)}`,
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
      options.delayMs ? `function delay() return ${Math.max(1, Math.round(options.delayMs))} end` : '',
      'function done(summary, latency, requests)',
      '  local e = summary.errors',
      '  io.write(string.format(\'\\nWRKJSON {"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%f,"errors":%d,"non2xx":%d}\\n\',',
      '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,',
      '    e.connect + e.read + e.write + e.timeout, e.status))',
      'end',
    ].join('\n'),
  );
  const child = spawn('taskset', ['-c', options.cpu, 'wrk', '-t', '1', '-c', String(options.connections), '-d', `${Math.max(1, Math.round(options.seconds))}s`, '--timeout', '10s', '-s', script, options.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let lastCpu = 0;
  const sampler = setInterval(() => {
    try {
      lastCpu = cpuSeconds(child.pid!);
    } catch {
      // exited between samples
    }
  }, 100);
  // 'close', not 'exit': the process can be gone before its output has been read.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const line = /WRKJSON (\{.*\})/.exec(out);
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${out}`);
  const parsed = JSON.parse(line[1]!);
  const seconds = parsed.duration_us / 1e6;
  return {
    requests: parsed.requests,
    seconds,
    rps: parsed.requests / seconds,
    latency: { p50: parsed.p50, p90: parsed.p90, p99: parsed.p99, mean: parsed.mean },
    errors: parsed.errors,
    non2xx: parsed.non2xx,
    loadgenCpu: lastCpu,
    loadgenCoreShare: lastCpu / seconds,
  };
}
