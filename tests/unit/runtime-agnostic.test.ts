import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The core runs unchanged on Node, Bun and Deno: only src/adapters/ may use
 * node:* modules, Bun or Deno. Comments are ignored; everything else counts.
 */
test('no module outside src/adapters/ touches node:*, Bun or Deno', () => {
  const offenders: string[] = [];
  for (const path of files(SRC)) {
    const rel = relative(SRC, path);
    if (rel.startsWith('adapters/')) continue;
    const code = readFileSync(path, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    const patterns: Array<[RegExp, string]> = [
      [/from\s+['"](node:[^'"]+)['"]/, 'imports a node: module'],
      [/import\(\s*['"]node:/, 'imports a node: module'],
      [/from\s+['"](bun(:[^'"]*)?)['"]/, 'imports bun'],
      [/from\s+['"](hono\/(bun|deno)|@hono\/node-server|@hono\/node-ws|ws)['"]/, "imports a runtime's server or WebSocket module"],
      [/\bBun\./, 'uses Bun'],
      [/\bDeno\./, 'uses Deno'],
      [/\bprocess\.(env|argv|exit|on|stdout|stderr|version)/, 'uses process'],
      [/\brequire\(/, 'uses require'],
    ];
    for (const [pattern, what] of patterns) if (pattern.test(code)) offenders.push(`src/${rel} ${what}`);
  }
  assert.deepEqual(offenders, []);
});

test('the check itself catches a runtime import', () => {
  // Guard against the scan silently matching nothing (a wrong path, say).
  assert.ok(files(SRC).length > 20);
  assert.ok(files(SRC).some((p) => p.endsWith('adapters/node.ts') && /from 'node:fs/.test(readFileSync(p, 'utf8'))));
});
