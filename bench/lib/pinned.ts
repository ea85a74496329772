import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');

/**
 * Processes of a targeted bench run (bench/tracing.ts, bench/profile.ts), each
 * pinned to a core with taskset, started from the checkout's root with its
 * node_modules/.bin on the PATH and NODE_ENV=production; `children` holds
 * them all, for the run to stop at its end.
 */
export class PinnedProcesses {
  readonly children: ChildProcess[] = [];

  start(cpu: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
    const child = spawn('taskset', ['-c', cpu, command, ...args], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.children.push(child);
    return child;
  }
}

/** Waits until `url` answers with a status below 500 (30 s at most). */
export async function waitForAnswer(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

/**
 * The fake upstream and the OTLP sink, on core 1 (with the load generator),
 * once both answer: their base URLs.
 */
export async function startUpstreamAndSink(processes: PinnedProcesses): Promise<{ upstream: string; otlp: string }> {
  const upstreamPort = await freePort();
  const otlpPort = await freePort();
  processes.start('1', 'node', ['--import', 'tsx', 'bench/fake-upstream.ts', String(upstreamPort)], {});
  processes.start('1', 'node', ['--import', 'tsx', 'bench/otlp-sink.ts', String(otlpPort)], {});
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const otlp = `http://127.0.0.1:${otlpPort}`;
  await waitForAnswer(`${upstream}/`);
  await waitForAnswer(`${otlp}/stats`);
  return { upstream, otlp };
}
