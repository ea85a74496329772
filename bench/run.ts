/**
 * The overhead benchmark: the gateway in its own process, pinned to core 0,
 * under each observability profile (bench/profiles/*.yaml), against a fake
 * OpenAI upstream and an OTLP sink pinned with the load generator (wrk) to
 * core 1. Profiles are measured in interleaved rounds (A B C … A B C …) and
 * compared round by round with `off`, so drift of a shared machine cancels.
 *
 *   npm run bench                      full run (≤ 10 min), writes bench/results/
 *   npm run bench -- --quick           smoke run (≤ 2 min), prints only
 *   npm run bench -- --runtimes=bun    some runtimes only
 *   npm run bench:check                full run; exits 1 if a seed target is missed
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, machine, peakRss } from './lib/proc.ts';
import { freePort } from './lib/free-port.ts';
import { renderReport, renderSummary, replaceBetweenMarkers } from './lib/report.ts';
import { pairedRatio, spread, type Spread } from './lib/stats.ts';
import { checkTargets, summarize, type TargetInput } from './lib/targets.ts';
import { runWrk, type LoadResult } from './lib/wrk.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const QUICK = flag('quick');
const CHECK = flag('check');
const RUNTIMES = (option('runtimes') ?? 'node,bun,deno').split(',');
export const PROFILES = ['off', 'metrics', 'tracing-10', 'tracing-100', 'production'] as const;
const GATEWAY_CPU = '0';
const LOAD_CPU = '1';

/**
 * Durations and repetitions: quick proves the suite works; full gives figures to publish. The full
 * run takes five one-second rounds (wrk counts whole seconds) rather than fewer longer ones, because
 * the verdicts rest on the range of the per-round ratios (five rounds: 94 % confidence), and warms
 * up for two seconds, because one left Node's first round still compiling.
 */
const PLAN = QUICK
  ? { rounds: 1, saturationSeconds: 1, pacedSeconds: 1, realistic: false, realisticSeconds: 0, warmupSeconds: 1 }
  : { rounds: 5, saturationSeconds: 1, pacedSeconds: 1, realistic: true, realisticSeconds: 2, warmupSeconds: 2 };

interface Workload {
  name: string;
  model: string;
  stream: boolean;
  /** Paced load: connections and the pause after each response. */
  paced: { connections: number; delayMs: number };
  saturation: boolean;
}

const WORKLOADS: Workload[] = [
  { name: 'instant json', model: 'bench-instant', stream: false, paced: { connections: 4, delayMs: 4 }, saturation: true },
  { name: 'instant stream(20)', model: 'bench-instant', stream: true, paced: { connections: 4, delayMs: 4 }, saturation: true },
  // 128 connections at ~0.75 s per request: ~170 requests a second, enough to measure CPU per request.
  { name: 'realistic json', model: 'bench-realistic', stream: false, paced: { connections: 128, delayMs: 1 }, saturation: false },
  { name: 'realistic stream(50)', model: 'bench-realistic', stream: true, paced: { connections: 128, delayMs: 1 }, saturation: false },
];
const SATURATION_CONNECTIONS = 32;

const body = (model: string, stream: boolean) => JSON.stringify({ model, input: 'How much does the gateway itself cost?', stream });


async function waitFor(url: string, what: string, child: ChildProcess, seconds = 30): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer ${url} within ${seconds} s`);
}

function start(cpu: string, command: string, commandArgs: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn('taskset', ['-c', cpu, command, ...commandArgs], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.on('exit', (code) => {
    if (code && code !== 0 && !stopping.has(child)) console.error(`${command} exited ${code}: ${stderr}`);
  });
  return child;
}

const stopping = new Set<ChildProcess>();
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

const GATEWAY_COMMANDS: Record<string, (config: string) => [string, string[]]> = {
  node: (config) => ['node', ['--import', 'tsx', 'src/adapters/node.ts', '-config', config]],
  bun: (config) => [join(BIN, 'bun'), ['src/adapters/bun.ts', '-config', config]],
  deno: (config) => [join(BIN, 'deno'), ['run', '-A', 'src/adapters/deno-run.ts', '-config', config]],
};

interface Sample {
  rps: number;
  cpuPerRequestUs: number;
  latency: LoadResult['latency'];
  loadgenCoreShare: number;
  errors: number;
}

/** One load run against a process, with that process's CPU time per request. */
async function measure(pid: number | undefined, url: string, requestBody: string, load: { connections: number; seconds: number; delayMs?: number }, headers?: Record<string, string>): Promise<Sample> {
  const before = pid ? cpuSeconds(pid) : 0;
  const result = await runWrk({ url, body: requestBody, cpu: LOAD_CPU, ...load, ...(headers ? { headers } : {}) });
  const cpu = pid ? cpuSeconds(pid) - before : Number.NaN;
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return { rps: result.rps, cpuPerRequestUs: (cpu / result.requests) * 1e6, latency: result.latency, loadgenCoreShare: result.loadgenCoreShare, errors: result.errors };
}

export interface WorkloadFigures {
  saturation?: { rps: Spread; cpuPerRequestUs: Spread; loadgenCoreShare: number };
  paced: { rps: Spread; p50Us: Spread; p99Us: Spread; cpuPerRequestUs: Spread; loadgenCoreShare: number };
  /** Per-round raw values, for paired ratios. */
  rounds: { saturationCpu: number[]; pacedCpu: number[]; pacedP50: number[] };
}

export interface RuntimeFigures {
  runtime: string;
  version: string;
  profiles: Record<string, { workloads: Record<string, WorkloadFigures>; peakRssMiB: number }>;
  direct: Record<string, { saturationRps?: number; pacedP50Us: number }>;
  peer?: { name: string; runtime: string; rows: Array<{ workload: string; ours: { rps: number; p50Us: number }; peer: { rps: number; p50Us: number } }>; note?: string };
}

async function benchRuntime(runtime: string, upstream: string, otlp: string): Promise<RuntimeFigures> {
  const gateways = new Map<string, { child: ChildProcess; url: string }>();
  for (const profile of PROFILES) {
    const port = await freePort();
    const [command, commandArgs] = GATEWAY_COMMANDS[runtime]!(join('bench', 'profiles', `${profile}.yaml`));
    const child = start(GATEWAY_CPU, command, commandArgs, { PORT: String(port), BENCH_UPSTREAM: upstream, BENCH_OTLP: otlp });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/health`, `${runtime} gateway (${profile})`, child);
    gateways.set(profile, { child, url });
  }
  const workloads = WORKLOADS.filter((w) => PLAN.realistic || w.model === 'bench-instant');
  const raw = new Map<string, Map<string, { sat: Sample[]; paced: Sample[] }>>();
  for (const profile of PROFILES) raw.set(profile, new Map(workloads.map((w) => [w.name, { sat: [], paced: [] }])));

  for (const workload of workloads) {
    const requestBody = body(workload.model, workload.stream);
    // The instant workloads carry the target check and get the warm-up and the repeats;
    // with a realistic upstream the gateway's share is small and one round shows it.
    if (workload.saturation) {
      for (const [, gateway] of gateways) {
        await measure(undefined, `${gateway.url}/v1/responses`, requestBody, { connections: 8, seconds: PLAN.warmupSeconds });
      }
    }
    for (let round = 0; round < (workload.saturation ? PLAN.rounds : 1); round++) {
      for (const profile of PROFILES) {
        const { child, url } = gateways.get(profile)!;
        const slot = raw.get(profile)!.get(workload.name)!;
        if (workload.saturation) {
          slot.sat.push(await measure(child.pid, `${url}/v1/responses`, requestBody, { connections: SATURATION_CONNECTIONS, seconds: PLAN.saturationSeconds }));
        }
        const pacedSeconds = workload.saturation ? PLAN.pacedSeconds : PLAN.realisticSeconds;
        slot.paced.push(await measure(child.pid, `${url}/v1/responses`, requestBody, { connections: workload.paced.connections, seconds: pacedSeconds, delayMs: workload.paced.delayMs }));
      }
      process.stdout.write('.');
    }
  }

  const figures: RuntimeFigures = { runtime, version: runtimeVersion(runtime), profiles: {}, direct: {} };
  for (const profile of PROFILES) {
    const { child } = gateways.get(profile)!;
    const perWorkload: Record<string, WorkloadFigures> = {};
    for (const workload of workloads) {
      const { sat, paced } = raw.get(profile)!.get(workload.name)!;
      perWorkload[workload.name] = {
        ...(sat.length > 0
          ? { saturation: { rps: spread(sat.map((s) => s.rps)), cpuPerRequestUs: spread(sat.map((s) => s.cpuPerRequestUs)), loadgenCoreShare: Math.max(...sat.map((s) => s.loadgenCoreShare)) } }
          : {}),
        paced: {
          rps: spread(paced.map((s) => s.rps)),
          p50Us: spread(paced.map((s) => s.latency.p50)),
          p99Us: spread(paced.map((s) => s.latency.p99)),
          cpuPerRequestUs: spread(paced.map((s) => s.cpuPerRequestUs)),
          loadgenCoreShare: Math.max(...paced.map((s) => s.loadgenCoreShare)),
        },
        rounds: { saturationCpu: sat.map((s) => s.cpuPerRequestUs), pacedCpu: paced.map((s) => s.cpuPerRequestUs), pacedP50: paced.map((s) => s.latency.p50) },
      };
    }
    figures.profiles[profile] = { workloads: perWorkload, peakRssMiB: peakRss(child.pid!) / 2 ** 20 };
  }

  // Reference: the client calling the fake upstream directly.
  for (const workload of workloads.filter((w) => w.saturation)) {
    const requestBody = body(workload.model, workload.stream);
    const url = `${upstream}/instant/v1/responses`;
    const sat = await measure(undefined, url, requestBody, { connections: SATURATION_CONNECTIONS, seconds: PLAN.saturationSeconds });
    const paced = await measure(undefined, url, requestBody, { connections: workload.paced.connections, seconds: PLAN.pacedSeconds, delayMs: workload.paced.delayMs });
    figures.direct[workload.name] = { saturationRps: sat.rps, pacedP50Us: paced.latency.p50 };
  }

  figures.peer = await benchPeer(runtime, upstream, gateways.get('production')!);
  for (const { child } of gateways.values()) await stop(child);
  return figures;
}

/**
 * The peer: @portkey-ai/gateway routing to the same fake upstream over Chat
 * Completions, against our `production` profile on /v1/chat/completions.
 * Portkey runs on Node and Bun (it has no Deno entry point); on Node 20 its
 * streaming fails (a TypeError appending to an immutable fetch Headers), so
 * only the JSON workload is compared there.
 */
async function benchPeer(runtime: string, upstream: string, ours: { child: ChildProcess; url: string }): Promise<RuntimeFigures['peer']> {
  if (runtime === 'deno') return { name: '@portkey-ai/gateway', runtime, rows: [], note: 'not compared: Portkey has no Deno entry point' };
  const port = await freePort();
  const entry = join(ROOT, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  const child = start(GATEWAY_CPU, runtime === 'bun' ? join(BIN, 'bun') : 'node', [entry, `--port=${port}`, '--headless']);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/`, 'peer gateway', child);
    const portkeyHeaders = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/instant/v1`, authorization: 'Bearer bench' };
    const rows: NonNullable<RuntimeFigures['peer']>['rows'] = [];
    for (const stream of runtime === 'node' ? [false] : [false, true]) {
      const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'How much does the gateway itself cost?' }], stream });
      const load = { connections: SATURATION_CONNECTIONS, seconds: PLAN.saturationSeconds };
      const paced = { connections: 4, seconds: PLAN.pacedSeconds, delayMs: 4 };
      await measure(undefined, `${url}/v1/chat/completions`, chat('bench'), { connections: 8, seconds: PLAN.warmupSeconds }, portkeyHeaders);
      const oursSat = await measure(ours.child.pid, `${ours.url}/v1/chat/completions`, chat('bench-chat'), load);
      const peerSat = await measure(child.pid, `${url}/v1/chat/completions`, chat('bench'), load, portkeyHeaders);
      const oursPaced = await measure(ours.child.pid, `${ours.url}/v1/chat/completions`, chat('bench-chat'), paced);
      const peerPaced = await measure(child.pid, `${url}/v1/chat/completions`, chat('bench'), paced, portkeyHeaders);
      rows.push({
        workload: stream ? 'chat stream(20)' : 'chat json',
        ours: { rps: oursSat.rps, p50Us: oursPaced.latency.p50 },
        peer: { rps: peerSat.rps, p50Us: peerPaced.latency.p50 },
      });
    }
    return { name: '@portkey-ai/gateway', runtime, rows, ...(runtime === 'node' ? { note: 'stream not compared on Node 20: Portkey fails with "TypeError: immutable" there' } : {}) };
  } finally {
    await stop(child);
  }
}

function runtimeVersion(runtime: string): string {
  const command = runtime === 'node' ? ['node', ['--version']] : runtime === 'bun' ? [join(BIN, 'bun'), ['--version']] : [join(BIN, 'deno'), ['--version']];
  return spawnSync(command[0] as string, command[1] as string[], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
}

/** Paired ratios against `off` for the target check: CPU per request (saturation) and paced p50. */
export function targetInputs(results: readonly RuntimeFigures[]): TargetInput[] {
  const inputs: TargetInput[] = [];
  for (const r of results) {
    for (const profile of PROFILES) {
      if (profile === 'off') continue;
      for (const [workload, figures] of Object.entries(r.profiles[profile]!.workloads)) {
        if (!workload.startsWith('instant')) continue;
        const base = r.profiles.off!.workloads[workload]!.rounds;
        inputs.push({ runtime: r.runtime, workload, profile, measure: 'cpu_per_request', ratio: pairedRatio(figures.rounds.saturationCpu, base.saturationCpu) });
        inputs.push({ runtime: r.runtime, workload, profile, measure: 'p50_latency', ratio: pairedRatio(figures.rounds.pacedP50, base.pacedP50) });
      }
    }
  }
  return inputs;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const upstreamPort = await freePort();
  const otlpPort = await freePort();
  const upstream = start(LOAD_CPU, 'node', ['--import', 'tsx', 'bench/fake-upstream.ts', String(upstreamPort)]);
  const otlp = start(LOAD_CPU, 'node', ['--import', 'tsx', 'bench/otlp-sink.ts', String(otlpPort)]);
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const otlpUrl = `http://127.0.0.1:${otlpPort}`;
  try {
    await waitFor(`${upstreamUrl}/`, 'fake upstream', upstream);
    await waitFor(`${otlpUrl}/stats`, 'OTLP sink', otlp);
    const results: RuntimeFigures[] = [];
    for (const runtime of RUNTIMES) {
      process.stdout.write(`${runtime} `);
      results.push(await benchRuntime(runtime, upstreamUrl, otlpUrl));
      process.stdout.write('\n');
    }
    const spans = await (await fetch(`${otlpUrl}/stats`)).json();
    const verdicts = checkTargets(targetInputs(results));
    const run = {
      date: startedAt.toISOString(),
      mode: QUICK ? 'quick' : 'full',
      command: `npm run bench${QUICK ? ' -- --quick' : ''}`,
      machine: { ...machine(), wrk: spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim() },
      plan: { ...PLAN, saturationConnections: SATURATION_CONNECTIONS, workloads: WORKLOADS },
      otlpSink: spans,
      results,
      targets: { verdicts, summary: summarize(verdicts) },
    };
    const report = renderReport(run);
    console.log(`\n${report}`);
    if (!QUICK) {
      const dir = join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
      writeFileSync(join(dir, 'latest.md'), `${report}\n`);
      const readme = join(ROOT, 'README.md');
      writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), renderSummary(run)));
    }
    // A target not shown to hold (failed or not resolved) fails the check.
    if (CHECK && run.targets.summary.some((s) => s.outcome !== 'pass')) process.exitCode = 1;
  } finally {
    await stop(upstream);
    await stop(otlp);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(2);
  });
}
