/**
 * Every shell command shown in README.md and docs/*.md runs as written.
 *
 * A fenced ```sh (bash, shell, console) block must be preceded by one of:
 *   <!-- runnable -->                 run to completion; must exit 0
 *   <!-- runnable; prints: TEXT -->   the same, and its output must contain TEXT
 *   <!-- runnable: server -->         starts a gateway: run in the background until it
 *                                     answers /health, stopped (SIGTERM) before the next
 *                                     server block and at the end of its file
 *   <!-- not-runnable: REASON -->     not run here, for the reason given (shown in the output)
 * and `<!-- runnable: file NAME -->` before any other block writes it to NAME for later blocks.
 *
 * Each file runs in order in a fresh directory of links to the checkout's top-level entries
 * (so files a block writes, such as config.yaml or bin/, land there), with `8080` replaced by
 * a free port, PORT set to it, and node_modules/.bin taken off PATH: a reader's shell has no
 * `deno` or `bun` on its path either. A block that talks to :8080 with no server block before
 * it gets a gateway started for it (`npm start`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../../bench/lib/free-port.ts';
import { ROOT } from '../helpers/server.ts';

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Block {
  file: string;
  line: number;
  language: string;
  code: string;
  /** The marker comment on the line before the fence, if any. */
  marker: string | undefined;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) body.push(lines[i]!);
    const previous = lines[start - 1]?.trim() ?? '';
    const marker = /^<!--\s*((?:not-)?runnable\b.*?)\s*-->$/.exec(previous)?.[1];
    blocks.push({ file, line: start + 1, language: open[3]!.toLowerCase(), code: body.join('\n'), marker });
  }
  return blocks;
}

type Step =
  | { kind: 'run'; prints?: string }
  | { kind: 'server' }
  | { kind: 'file'; name: string }
  | { kind: 'skip'; reason: string };

/** What a block's marker asks for; throws when a shell block has none or one that is unclear. */
function stepOf(block: Block): Step | undefined {
  const where = `${block.file}:${block.line}`;
  const marker = block.marker;
  if (marker === undefined) {
    if (SHELL_LANGUAGES.has(block.language)) throw new Error(`${where}: a ${block.language} block needs <!-- runnable --> or <!-- not-runnable: reason --> on the line before it`);
    if (/^\$ /m.test(block.code)) throw new Error(`${where}: a shell transcript must be a sh block (marked runnable or not-runnable: reason)`);
    return undefined;
  }
  const notRunnable = /^not-runnable:\s*(\S.*)$/.exec(marker);
  if (notRunnable) return { kind: 'skip', reason: notRunnable[1]! };
  if (marker === 'runnable') return { kind: 'run' };
  const prints = /^runnable;\s*prints:\s*(\S.*)$/.exec(marker);
  if (prints) return { kind: 'run', prints: prints[1]! };
  if (marker === 'runnable: server') return { kind: 'server' };
  const file = /^runnable:\s*file\s+(\S+)$/.exec(marker);
  if (file) return { kind: 'file', name: file[1]! };
  throw new Error(`${where}: unknown marker <!-- ${marker} -->`);
}

/** The environment of a reader's shell: no npm-run additions, no gateway settings inherited. */
function readerEnv(port: number): NodeJS.ProcessEnv {
  const bin = join(ROOT, 'node_modules', '.bin');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || ['PORT', 'GATEWAY_CONFIG', 'NODE_OPTIONS', 'INIT_CWD'].includes(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !resolve(dir).endsWith(join('node_modules', '.bin')) && resolve(dir) !== bin)
    .join(delimiter);
  env.PORT = String(port);
  return env;
}

/** A directory that looks like the checkout: links to its top-level entries. */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-docs-'));
  for (const entry of readdirSync(ROOT)) {
    if (entry === '.git' || entry === 'bin' || entry === 'config.yaml') continue;
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  return dir;
}

function run(code: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawn('sh', ['-e', '-c', code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ code: exitCode, output });
    });
  });
}

interface Server {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

async function startServer(code: string, cwd: string, env: NodeJS.ProcessEnv, port: number, where: string): Promise<Server> {
  // Its own process group, so the runtime under npm, npx or sh is stopped with it.
  const child = spawn('sh', ['-e', '-c', code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (gone) throw new Error(`${where}: exited before answering /health:\n${output}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`${where}: no answer on /health within 45 s:\n${output}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output, exited };
}

async function stopServer(server: Server): Promise<void> {
  try {
    process.kill(-server.child.pid!, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-server.child.pid!, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, 10_000);
  await server.exited;
  clearTimeout(timer);
}

describe('every command in the docs', () => {
  for (const file of DOCS) {
    test(file, async (t) => {
      const blocks = blocksOf(file);
      const steps = blocks.map((b) => ({ block: b, step: stepOf(b) })).filter((s) => s.step !== undefined);
      if (!steps.some((s) => s.step!.kind !== 'skip')) {
        for (const { block, step } of steps) t.diagnostic(`${file}:${block.line} not run: ${(step as { reason: string }).reason}`);
        return;
      }
      const port = await freePort();
      const cwd = sandbox();
      const env = readerEnv(port);
      let server: Server | undefined;
      try {
        for (const { block, step } of steps) {
          const where = `${file}:${block.line}`;
          const code = block.code.replace(/\b8080\b/g, String(port));
          if (step!.kind === 'skip') {
            t.diagnostic(`${where} not run: ${step!.reason}`);
          } else if (step!.kind === 'file') {
            assert.ok(!relative(cwd, resolve(cwd, step!.name)).startsWith('..'), `${where}: ${step!.name} is outside the checkout`);
            assert.ok(!existsSync(join(ROOT, step!.name)), `${where}: ${step!.name} would overwrite a file of the checkout`);
            writeFileSync(join(cwd, step!.name), `${code}\n`);
          } else if (step!.kind === 'server') {
            if (server) await stopServer(server);
            server = await startServer(code, cwd, env, port, where);
            t.diagnostic(`${where} served /health`);
          } else {
            if (!server && /\b8080\b/.test(block.code)) server = await startServer('npm start', cwd, env, port, `${where} (gateway for it)`);
            const result = await run(code, cwd, env);
            assert.equal(result.code, 0, `${where} exited ${result.code}:\n${block.code}\n---\n${result.output}`);
            if (step!.prints) assert.ok(result.output.includes(step!.prints), `${where} did not print ${step!.prints}:\n${result.output}`);
            t.diagnostic(`${where} ran`);
          }
        }
      } finally {
        if (server) await stopServer(server);
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }

  test('every relative link points at a file and heading that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
    const anchors = (file: string) => {
      const text = readFileSync(file, 'utf8').replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, '');
      return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
    };
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const absolute = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!existsSync(absolute)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor !== undefined && absolute.endsWith('.md') && !anchors(absolute).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
