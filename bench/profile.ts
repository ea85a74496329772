/**
 * Where the CPU of a request goes: the floor proxy and the gateway under one
 * or more profiles, all pinned to core 0 and loaded at once (fake upstream,
 * OTLP sink and wrk on core 1), as `npm run bench` loads them, with the
 * runtime's sampling profiler over the measured window only (not start-up,
 * not the warm-up). Prints each process's CPU per request over all its
 * threads and on its main thread, and the main thread's split by where the
 * profile saw the time spent (the runtime's HTTP server and client,
 * syscalls, GC, JSON, each gateway folder and each package), one column per
 * variant. What `npm run bench` reports as ratios, this shows as a
 * breakdown; the profiler adds its own cost, so compare columns with each
 * other, not with the bench's figures.
 *
 *   npm run bench:profile -- [--runtime=node|bun|deno] [--workload=json|stream|realistic]
 *                            [--variants=floor,off,tracing-100] [--seconds=10] [--out=DIR]
 *
 * Node and Bun run with `--cpu-prof`, written when the process exits and cut
 * to the window by the samples' timestamps; Deno, which has no such flag, is
 * profiled through its inspector (Profiler.start and stop over the DevTools
 * protocol). The floor serves Chat Completions only, so every workload goes
 * to `/v1/chat/completions`. `--out=DIR` keeps each profile (windowed).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { BENCH_API_KEY } from './run.ts';
import { breakdown, cutToWindow, type CpuProfile } from './lib/cpu-profile.ts';
import { freePort } from './lib/free-port.ts';
import { PinnedProcesses, startUpstreamAndSink, waitForAnswer } from './lib/pinned.ts';
import { cpuSeconds } from './lib/proc.ts';
import { runWrk } from './lib/wrk.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');
const option = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const RUNTIME = option('runtime', 'node');
const WORKLOAD = option('workload', 'json');
const SECONDS = Number(option('seconds', '10'));
const WARMUP = Number(option('warmup', '5'));
const CONNECTIONS = Number(option('connections', option('workload', 'json') === 'realistic' ? '32' : '8'));
const VARIANTS = option('variants', 'floor,off').split(',');
const OUT = option('out', '');
const ROWS = Number(option('rows', '24'));
if (!['node', 'bun', 'deno'].includes(RUNTIME)) throw new Error(`--runtime is node, bun or deno, not ${RUNTIME}`);
if (!['json', 'stream', 'realistic'].includes(WORKLOAD)) throw new Error(`--workload is json, stream or realistic, not ${WORKLOAD}`);
/** Realistic: the upstream's first byte after 200 ms, then 50 events 10 ms apart, 32 streams at a time (as `npm run bench`). */
const REALISTIC = WORKLOAD === 'realistic';
const BODY = JSON.stringify({ model: REALISTIC ? 'bench-realistic-chat' : 'bench-chat', stream: WORKLOAD !== 'json', messages: [{ role: 'user', content: 'How much does the gateway itself cost?' }] });
const WORKLOAD_NAME = { json: 'instant JSON', stream: 'instant stream(20)', realistic: 'realistic stream(50)' }[WORKLOAD]!;

const processes = new PinnedProcesses();
const children = processes.children;

/** The command of a variant: `floor` or a profile of bench/profiles/. */
function command(variant: string, inspectPort: number | undefined, profileDir: string): [string, string[]] {
  const script =
    variant === 'floor'
      ? { node: 'bench/floors/node.ts', bun: 'bench/floors/bun.ts', deno: 'bench/floors/deno.ts' }[RUNTIME]!
      : { node: 'src/adapters/node.ts', bun: 'src/adapters/bun.ts', deno: 'src/adapters/deno-run.ts' }[RUNTIME]!;
  const config = variant === 'floor' ? [] : ['-config', join('bench', 'profiles', `${variant}.yaml`)];
  if (RUNTIME === 'node') return ['node', ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', script, ...config]];
  if (RUNTIME === 'deno') return [join(BIN, 'deno'), ['run', '-A', `--inspect=127.0.0.1:${inspectPort}`, script, ...config]];
  return [join(BIN, 'bun'), ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, script, ...config]];
}

/** A DevTools-protocol session with a process's inspector (Node, Deno). */
async function inspector(port: number): Promise<{ send(method: string, params?: object): Promise<any>; close(): void }> {
  let targets: Array<{ webSocketDebuggerUrl: string }> = [];
  for (let i = 0; i < 100 && targets.length === 0; i++) {
    targets = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json() as Promise<typeof targets>, () => []);
    if (targets.length === 0) await sleep(100);
  }
  if (targets.length === 0) throw new Error(`no inspector on port ${port}`);
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const entry = message.id === undefined ? undefined : waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id!);
    if (message.error) entry.reject(new Error(message.error.message));
    else entry.resolve(message.result);
  });
  let next = 0;
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

interface Variant {
  variant: string;
  child: ChildProcess;
  url: string;
  profileDir: string;
  session?: Awaited<ReturnType<typeof inspector>>;
}

interface Measured {
  variant: string;
  requests: number;
  /** CPU µs per request: the whole process, and its main (JavaScript) thread. */
  processUs: number;
  mainUs: number;
  profile: CpuProfile;
}

/** CPU seconds of a process's main thread (its thread id is the process id). */
function mainThreadSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}

async function startVariant(variant: string, upstream: string, otlp: string, work: string): Promise<Variant> {
  const port = await freePort();
  // Deno is profiled through its inspector; Node and Bun with --cpu-prof.
  const inspectPort = RUNTIME === 'deno' ? await freePort() : undefined;
  const profileDir = join(work, variant);
  mkdirSync(profileDir, { recursive: true });
  const [cmd, args] = command(variant, inspectPort, profileDir);
  const child = processes.start('0', cmd, args, { PORT: String(port), BENCH_UPSTREAM: upstream, BENCH_OTLP: otlp });
  const url = `http://127.0.0.1:${port}`;
  await waitForAnswer(variant === 'floor' ? `${url}/` : `${url}/health`);
  return { variant, child, url, profileDir, ...(inspectPort === undefined ? {} : { session: await inspector(inspectPort) }) };
}

const load = (v: Variant, seconds: number) =>
  runWrk({ url: `${v.url}/v1/chat/completions`, body: BODY, cpu: '1', connections: CONNECTIONS, seconds, headers: { authorization: `Bearer ${BENCH_API_KEY}` } });

/**
 * Every variant loaded at once on core 0, as `npm run bench` does, so that they
 * see the same machine. A sample's time delta then also holds time the process
 * waited for the core, so the profile gives each place's share of the main
 * thread's samples, and the main thread's CPU time (from /proc) gives the µs.
 */
async function measureAll(variants: Variant[]): Promise<Measured[]> {
  await Promise.all(variants.map((v) => load(v, WARMUP)));
  for (const v of variants) {
    if (!v.session) continue;
    await v.session.send('Profiler.enable');
    await v.session.send('Profiler.setSamplingInterval', { interval: 1000 });
  }
  await Promise.all(variants.map((v) => v.session?.send('Profiler.start')));
  const from = now();
  const before = variants.map((v) => ({ process: cpuSeconds(v.child.pid!), main: mainThreadSeconds(v.child.pid!) }));
  const results = await Promise.all(variants.map((v) => load(v, SECONDS)));
  const after = variants.map((v) => ({ process: cpuSeconds(v.child.pid!), main: mainThreadSeconds(v.child.pid!) }));
  const to = now();
  const measured: Measured[] = [];
  for (const [i, v] of variants.entries()) {
    const result = results[i]!;
    if (result.errors || result.non2xx) throw new Error(`${v.variant}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
    let profile: CpuProfile;
    if (v.session) {
      profile = ((await v.session.send('Profiler.stop')) as { profile: CpuProfile }).profile;
      v.session.close();
    } else {
      // `--cpu-prof` writes the profile when the process exits (the gateway and the floors exit on
      // SIGTERM); it covers the whole run, so its samples are cut to the window by their timestamps.
      await new Promise<void>((resolve) => {
        v.child.once('exit', () => resolve());
        v.child.kill('SIGTERM');
        setTimeout(() => v.child.kill('SIGKILL'), 15_000).unref();
      });
      const file = readdirSync(v.profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`${v.variant}: ${RUNTIME} wrote no profile`);
      profile = cutToWindow(JSON.parse(readFileSync(join(v.profileDir, file), 'utf8')) as CpuProfile, from, to);
    }
    if (OUT) writeFileSync(join(OUT, `${RUNTIME}-${WORKLOAD}-${v.variant}.cpuprofile`), JSON.stringify(profile));
    const perRequest = (seconds: number) => (seconds / result.requests) * 1e6;
    measured.push({ variant: v.variant, requests: result.requests, processUs: perRequest(after[i]!.process - before[i]!.process), mainUs: perRequest(after[i]!.main - before[i]!.main), profile });
  }
  return measured;
}

/**
 * Now on the clock of the profile's timestamps, in µs: Node's are its monotonic
 * clock (uv_hrtime, which process.hrtime reads here too), Bun's the wall clock.
 */
function now(): number {
  return RUNTIME === 'node' ? Number(process.hrtime.bigint() / 1000n) : Date.now() * 1000;
}

async function main(): Promise<void> {
  if (OUT) mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'gateway-profile-'));
  const { upstream, otlp } = await startUpstreamAndSink(processes);
  const variants: Variant[] = [];
  for (const variant of VARIANTS) variants.push(await startVariant(variant, upstream, otlp, work));
  const measured = await measureAll(variants);
  console.log(
    `${RUNTIME}, Chat Completions ${WORKLOAD_NAME}: ${measured.length} processes loaded at once on core 0, ${CONNECTIONS} connections each, ${SECONDS} s profiled after ${WARMUP} s of warm-up; CPU µs per request, the main thread's split by the profile`,
  );
  const tables = measured.map((m) => breakdown(m.profile, m.mainUs));
  const names = new Set<string>();
  for (const table of tables) for (const name of table.byPlace.keys()) names.add(name);
  const largest = (name: string) => Math.max(...tables.map((t) => t.byPlace.get(name) ?? 0));
  const rows = [...names].sort((a, b) => largest(b) - largest(a));
  const shown = rows.slice(0, ROWS);
  const cell = (value: number) => value.toFixed(1).padStart(10);
  const width = Math.max(34, ...shown.map((r) => r.length));
  console.log(`${'where'.padEnd(width)}${measured.map((m) => m.variant.padStart(16)).join('')}`);
  console.log(`${'process, all threads'.padEnd(width)}${measured.map((m) => cell(m.processUs).padStart(16)).join('')}`);
  console.log(`${'  other threads (GC, JIT, I/O, profiler)'.padEnd(width)}${measured.map((m) => cell(m.processUs - m.mainUs).padStart(16)).join('')}`);
  console.log(`${'  main thread'.padEnd(width)}${measured.map((m) => cell(m.mainUs).padStart(16)).join('')}`);
  for (const row of shown) console.log(`    ${row.padEnd(width - 4)}${tables.map((t) => cell(t.byPlace.get(row) ?? 0).padStart(16)).join('')}`);
  const rest = rows.slice(ROWS);
  if (rest.length) console.log(`    ${`${rest.length} more places`.padEnd(width - 4)}${tables.map((t) => cell(rest.reduce((s, r) => s + (t.byPlace.get(r) ?? 0), 0)).padStart(16)).join('')}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  })
  .finally(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
