/**
 * Instructions per request, counted by valgrind's callgrind: a measure that a
 * shared machine disturbs far less than CPU time (runs of the same code differ
 * by a few per cent, where CPU time per request scatters by ±20 %). For
 * comparing two versions of the gateway's own code (a checkout in another
 * directory, e.g. a git worktree of an earlier commit) on Node, in process:
 * `gateway.fetch` against the fake upstream over real HTTP through the Node
 * transport, so the HTTP server's side is left out and the upstream client's
 * is in. The counting is switched on only after the warm-up; all threads
 * count (the JIT's and the collector's too). Needs valgrind; under it a run
 * is about 50 times slower than without, and V8's optimizing compiler may
 * still be at work after a warm-up that would be ample outside it, so warm up
 * for thousands of requests and run each version more than once.
 *
 *   npm run bench:instructions -- [--workload=chat-stream] [--warm=3000] [--requests=2000]
 *                                 [--tracing=never|0.1|1] [ROOT ...]
 *
 * Each ROOT (default: this checkout) must have its node_modules; the first
 * is the base of the ratios. Workloads: chat-json, chat-stream,
 * responses-json, responses-stream (bench/instructions/workloads.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './lib/free-port.ts';
import { WORKLOADS, type WorkloadName } from './instructions/workloads.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const workload = option('workload', 'chat-stream') as WorkloadName;
const warm = option('warm', '3000');
const requests = Number(option('requests', '2000'));
const tracing = args.find((a) => a.startsWith('--tracing='))?.split('=')[1];
const roots = args.filter((a) => !a.startsWith('--')).map((r) => resolve(r));
if (roots.length === 0) roots.push(ROOT);

if (!WORKLOADS[workload]) throw new Error(`unknown workload ${workload}; one of ${Object.keys(WORKLOADS).join(', ')}`);
if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');

const work = mkdtempSync(join(tmpdir(), 'gateway-instructions-'));
const children: Array<ReturnType<typeof spawn>> = [];
const stopAll = () => children.forEach((c) => c.kill('SIGKILL'));
process.on('exit', stopAll);

async function listen(script: string): Promise<string> {
  const port = await freePort();
  const child = spawn('node', ['--import', 'tsx', script, String(port)], { cwd: ROOT, stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) return `http://127.0.0.1:${port}`;
    await sleep(100);
  }
  throw new Error(`${script} did not start`);
}

const until = async (path: string) => {
  while (!existsSync(path)) await sleep(200);
};

/** Instructions per measured request of the checkout at `root`. */
async function count(root: string, upstream: string, otlp: string, tag: string): Promise<number> {
  const signals = join(work, tag);
  const out = join(work, `${tag}.callgrind`);
  const driverArgs = [join(ROOT, 'bench', 'instructions', 'driver.ts'), root, upstream, `${otlp}/v1/traces`, workload, warm, String(requests), signals, ...(tracing ? [tracing] : [])];
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${out}`, 'node', '--import', 'tsx', ...driverArgs], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((_, reject) => child.on('exit', (code) => reject(new Error(`the driver exited (${code}):\n${stderr}`))));
  const control = (flag: string) => spawnSync('callgrind_control', [flag, String(child.pid)], { stdio: 'ignore' });
  await Promise.race([until(`${signals}.ready`), exited]);
  control('--instr=on');
  writeFileSync(`${signals}.go`, '');
  await Promise.race([until(`${signals}.done`), exited]);
  control('--dump');
  await sleep(1000);
  child.kill('SIGKILL');
  let total = 0;
  for (const file of readdirSync(work).filter((f) => f.startsWith(`${tag}.callgrind`))) {
    const totals = readFileSync(join(work, file), 'utf8').match(/^totals:\s+(\d+)/m);
    if (totals) total += Number(totals[1]);
  }
  return total / requests;
}

try {
  const upstream = await listen('bench/fake-upstream.ts');
  const otlp = await listen('bench/otlp-sink.ts');
  console.log(`instructions per request: ${workload}, ${tracing ? `tracing ${tracing}` : 'observability off'}, ${requests} requests after ${warm}`);
  const figures: number[] = [];
  for (const [i, root] of roots.entries()) {
    const perRequest = await count(root, upstream, otlp, `run${i}`);
    figures.push(perRequest);
    console.log(`${root}: ${(perRequest / 1e6).toFixed(3)} M${i > 0 ? `  (${(perRequest / figures[0]!).toFixed(3)}× the first)` : ''}`);
  }
} finally {
  stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
