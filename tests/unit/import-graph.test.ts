import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../../src/', import.meta.url).pathname;

/**
 * Folder-level imports that may close a loop. Each entry is `from -> to` with
 * the reason; it should stay empty.
 */
const ALLOWED: ReadonlyArray<{ edge: string; reason: string }> = [];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of every import, `export … from` and dynamic import, type-only ones included. */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of code.matchAll(pattern)) {
    const specifier = match[1] ?? match[2]!;
    if (specifier.startsWith('.')) out.push(specifier);
  }
  return out;
}

/** The folder a file belongs to: its first directory under src/, or `(root)` for src/*.ts. */
function folderOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

/** Folder → folders it imports, with one example file pair per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const path of files(SRC)) {
    const code = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    for (const specifier of importsOf(code)) {
      const target = resolve(dirname(path), specifier);
      const from = folderOf(path);
      const to = folderOf(target);
      if (from === to || ALLOWED.some((a) => a.edge === `${from} -> ${to}`)) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, `${relative(SRC, path)} imports ${relative(SRC, target)}`);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, as the list of edges that form it. */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next)).concat(next);
        found.push(loop.slice(0, -1).map((from, i) => graph.get(from)!.get(loop[i + 1]!)!));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

test('no import loop between the folders of src/ (type-only imports count)', () => {
  assert.deepEqual(cycles(folderGraph()), []);
});

test('the graph is read: imports, export-from, type-only and dynamic imports are seen', () => {
  const code = `import { a } from './a.ts';\nimport type {\n  B,\n  C,\n} from '../b/b.ts';\nexport { d } from "./d.ts";\nexport type { E } from './e.ts';\nconst f = await import('./f.ts');\nimport 'hono';`;
  assert.deepEqual(importsOf(code), ['./a.ts', '../b/b.ts', './d.ts', './e.ts', './f.ts']);
  const graph = folderGraph();
  assert.ok(graph.get('(root)')?.has('pipeline'), 'gateway.ts imports the pipeline');
  assert.ok(graph.get('providers')?.has('canonical'), 'providers import the canonical types');
});

test('the cycle finder reports a loop', () => {
  const graph = new Map([
    ['a', new Map([['b', 'a/x.ts imports b/y.ts']])],
    ['b', new Map([['a', 'b/y.ts imports a/z.ts']])],
  ]);
  assert.deepEqual(cycles(graph), [['a/x.ts imports b/y.ts', 'b/y.ts imports a/z.ts']]);
});
