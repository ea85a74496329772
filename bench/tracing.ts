/**
 * A targeted tracing overhead run: a few gateways of one runtime, each with a
 * profile of bench/profiles/ and optionally environment settings of its own,
 * all pinned to core 0 and loaded at once (8 connections each, instant JSON
 * on /v1/responses) in interleaved rounds, against the fake upstream and the
 * OTLP sink on core 1, as `npm run bench` does. Prints, per variant, the
 * median CPU per request and the median of the per-round ratios to the first
 * variant, with the spread of those ratios. For comparisons during work on
 * tracing; `npm run bench` remains the measurement of record.
 *
 *   node --import tsx bench/tracing.ts --runtime=bun --rounds=8 --seconds=2 \
 *     --variants=off,tracing-never,tracing-10,tracing-100,tracing-100@OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64
 *
 * A variant is `profile` or `profile@NAME=value@NAME2=value2`.
 * `--cpu-prof=DIR` starts each gateway under its runtime's CPU profiler
 * (Node and Bun: `--cpu-prof`; Deno is not supported here) and stops it with
 * SIGTERM so that the profile is written. `--threads` adds each variant's CPU
 * per request by thread name (JS thread, GC helpers, JIT workers, HTTP client
 * thread), over the timed rounds, from /proc/PID/task/TID/schedstat.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './lib/free-port.ts';
import { PinnedProcesses, startUpstreamAndSink, waitForAnswer } from './lib/pinned.ts';
import { cpuSeconds } from './lib/proc.ts';
import { median, pairedRatio, percent } from './lib/stats.ts';
import { runWrk } from './lib/wrk.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');
const option = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const RUNTIME = option('runtime', 'bun');
const ROUNDS = Number(option('rounds', '8'));
const SECONDS = Number(option('seconds', '2'));
const CONNECTIONS = Number(option('connections', '8'));
/** Seconds of load on every gateway before the timed rounds. */
const WARMUP = Number(option('warmup', '3'));
const VARIANTS = option('variants', 'off,tracing-never,tracing-10,tracing-100').split(',');
const PROFILE_DIR = option('cpu-prof', '');
const THREADS = process.argv.includes('--threads');
const BODY = JSON.stringify({ model: 'bench-instant', input: 'How much does the gateway itself cost?', stream: false });

function command(profile: string, name: string): [string, string[]] {
  const config = join('bench', 'profiles', `${profile}.yaml`);
  const prof = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  if (RUNTIME === 'node') return ['node', [...prof, '--import', 'tsx', 'src/adapters/node.ts', '-config', config]];
  if (RUNTIME === 'bun') return [join(BIN, 'bun'), [...prof, 'src/adapters/bun.ts', '-config', config]];
  return [join(BIN, 'deno'), ['run', '-A', 'src/adapters/deno-run.ts', '-config', config]];
}

/** CPU nanoseconds by thread name, of the live threads. */
function threadNanos(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim().replace(/[0-9]+$/, '#');
      const nanos = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      out.set(name, (out.get(name) ?? 0) + nanos);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const processes = new PinnedProcesses();
const children = processes.children;

async function main(): Promise<void> {
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const { upstream, otlp } = await startUpstreamAndSink(processes);
  const gateways: Array<{ name: string; child: ChildProcess; url: string; cpu: number[]; requests: number; threads?: Map<string, number> }> = [];
  for (const [i, variant] of VARIANTS.entries()) {
    const [profile, ...settings] = variant.split('@');
    const env = Object.fromEntries(settings.map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]));
    const port = await freePort();
    const [cmd, args] = command(profile!, `${i}-${variant.replace(/[^A-Za-z0-9.-]+/g, '_')}`);
    const child = processes.start('0', cmd, args, { ...env, PORT: String(port), BENCH_UPSTREAM: upstream, BENCH_OTLP: otlp });
    const url = `http://127.0.0.1:${port}`;
    await waitForAnswer(`${url}/health`);
    gateways.push({ name: variant, child, url, cpu: [], requests: 0 });
  }
  const load = (g: (typeof gateways)[number], seconds: number) => runWrk({ url: `${g.url}/v1/responses`, body: BODY, cpu: '1', connections: CONNECTIONS, seconds });
  await Promise.all(gateways.map((g) => load(g, WARMUP)));
  const threadsBefore = gateways.map((g) => threadNanos(g.child.pid!));
  for (let round = 0; round < ROUNDS; round++) {
    // Started in an order rotated every round, as bench/run.ts does.
    const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]!);
    await Promise.all(
      order.map(async (g) => {
        const before = cpuSeconds(g.child.pid!);
        const result = await load(g, SECONDS);
        if (result.errors || result.non2xx) throw new Error(`${g.name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        g.cpu.push(((cpuSeconds(g.child.pid!) - before) / result.requests) * 1e6);
        g.requests += result.requests;
      }),
    );
    process.stdout.write('.');
  }
  gateways.forEach((g, i) => {
    const after = threadNanos(g.child.pid!);
    g.threads = new Map([...after].map(([name, nanos]) => [name, nanos - (threadsBefore[i]!.get(name) ?? 0)]));
  });
  console.log(`\n${RUNTIME}: ${WARMUP} s warm-up, ${ROUNDS} rounds × ${SECONDS} s, ${gateways.length} gateways loaded at once on one core; CPU µs per request, ratio = median of per-round ratios to ${gateways[0]!.name}`);
  const base = gateways[0]!.cpu;
  for (const g of gateways) {
    const ratio = pairedRatio(g.cpu, base);
    console.log(`  ${g.name.padEnd(56)} ${median(g.cpu).toFixed(1).padStart(7)} µs  ${g === gateways[0] ? '' : `${percent(ratio.median)}  (rounds ${percent(ratio.min)} … ${percent(ratio.max)})`}`);
  }
  if (THREADS) {
    console.log('  CPU µs per request by thread (live threads, all timed rounds):');
    for (const g of gateways) {
      const parts = [...g.threads!].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / 1e3 / g.requests).toFixed(1)}`);
      console.log(`    ${g.name.padEnd(40)} ${parts.join(', ')}`);
    }
  }
  const stats = await (await fetch(`${otlp}/stats`)).json();
  console.log(`  OTLP sink: ${JSON.stringify(stats)}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  })
  .finally(async () => {
    // The gateways get SIGTERM (a profiler writes its profile on the way out), the helpers SIGKILL.
    await Promise.all(
      children.map(
        (child, i) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill(i < 2 ? 'SIGKILL' : 'SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
  });
