import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;

/** How to start the gateway on one runtime. */
export interface Target {
  name: string;
  /** The command line, given the config file path (none: embedded defaults). */
  command(configPath?: string): { command: string; args: string[]; cwd?: string };
  /** Whether the process stops accepting connections itself on SIGTERM (not under `deno serve`). */
  ownsListener: boolean;
}

function flag(name: string, value: string | undefined): string[] {
  return value === undefined ? [] : [name, value];
}

/** Runs an npm script's command line directly (not through npm), so signals reach the gateway itself. */
function script(name: string, ...extra: string[]): { command: string; args: string[] } {
  const line = scripts[name];
  if (!line) throw new Error(`package.json has no script ${name}`);
  // The scripts already start with `exec` (so that npm's SIGTERM reaches the runtime); say it once.
  return { command: 'sh', args: ['-c', `exec ${line.replace(/^exec /, '')} "$@"`, name, ...extra] };
}

export const TARGETS: Record<string, Target> = {
  node: { name: 'node', ownsListener: true, command: (config) => script('start', ...flag('-config', config)) },
  bun: { name: 'bun', ownsListener: true, command: (config) => script('start:bun', ...flag('--config', config)) },
  deno: { name: 'deno', ownsListener: true, command: (config) => script('start:deno', ...flag('-config', config)) },
  'deno-serve': {
    name: 'deno-serve',
    ownsListener: false,
    command: (config) => ({ command: join(BIN, 'deno'), args: ['serve', '-A', '--host', '127.0.0.1', '--port', '0', 'src/adapters/deno.ts', '--', ...flag('--config', config)] }),
  },
};

/** A target for a compiled binary, run from an empty directory as users would. */
export function binaryTarget(binary: string): Target {
  const cwd = mkdtempSync(join(tmpdir(), 'gateway-bin-'));
  return { name: 'binary', ownsListener: true, command: (config) => ({ command: binary, args: flag('-config', config), cwd }) };
}

export interface RunningServer {
  baseUrl: string;
  process: ChildProcess;
  /** JSON log lines so far. */
  logs: Array<Record<string, any>>;
  stderr(): string;
  waitForLog(predicate: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** Runs a target to completion (for start-up failures): exit code and output. */
export function runToExit(target: Target, configPath: string, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args, cwd } = target.command(configPath);
  const child = spawn(command, args, { cwd: cwd ?? ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${target.name} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH}`, ...extra };
  delete env.PORT;
  delete env.GATEWAY_CONFIG;
  delete env.NODE_OPTIONS;
  return env;
}

/** Starts the gateway and resolves once it listens (its address read from its own output). */
export async function startServer(target: Target, configPath: string | undefined, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<RunningServer> {
  const { command, args, cwd } = target.command(configPath);
  const child = spawn(command, args, { cwd: cwd ?? ROOT, env: childEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, any>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let stdoutRest = '';
  let resolveUrl: (url: string) => void;
  const urlFound = new Promise<string>((resolve) => (resolveUrl = resolve));
  const onLine = (line: string) => {
    // `deno serve` announces the port itself; the other adapters log it.
    const served = /Listening on (http:\/\/[^/\s]+)/.exec(line);
    if (served) resolveUrl(served[1]!.replace('0.0.0.0', '127.0.0.1'));
    if (!line.startsWith('{')) return;
    const parsed = JSON.parse(line);
    logs.push(parsed);
    if (parsed.msg === 'gateway started' && parsed.address.startsWith('http')) resolveUrl(parsed.address.replace('0.0.0.0', '127.0.0.1'));
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (stdoutRest + chunk.toString()).split('\n');
    stdoutRest = lines.pop()!;
    lines.forEach(onLine);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
    chunk.toString().split('\n').forEach((line) => /Listening on/.test(line) && onLine(line));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const baseUrl = await Promise.race([
    urlFound,
    exited.then(({ code }) => Promise.reject(new Error(`${target.name} exited (${code}) before listening:\n${stderr}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${target.name} did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    }),
  ])
    .catch((error) => {
      child.kill('SIGKILL');
      throw error;
    })
    .finally(() => clearTimeout(timer));
  return {
    baseUrl,
    process: child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(predicate, waitMs = 5_000) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching log line within ${waitMs} ms; last lines:\n${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`));
        }, waitMs);
        const check = () => {
          const hit = logs.find(predicate);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
          }
        };
        waiters.add(check);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
