import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { keysCommand } from '../../src/adapters/keys-command.ts';
import { isAuthFailure } from '../../src/auth/auth-failure.ts';
import { createAuthenticator } from '../../src/auth/create-authenticator.ts';
import { parseConfig } from '../../src/config/parse-config.ts';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await keysCommand(args, (t) => out.push(t), (t) => err.push(t));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('keys new NAME: a random sk-gw- key whose printed config lines authenticate it', async () => {
  const first = await run('new', 'team-a');
  assert.equal(first.code, 0);
  const key = /^  (sk-gw-[A-Za-z0-9_-]+)$/m.exec(first.out)![1]!;
  assert.equal(key.length, 'sk-gw-'.length + 43, '32 random bytes in base64url');
  const lines = first.out.slice(first.out.indexOf('    - name:'));
  const entries = parse(lines) as Array<{ name: string; key_sha256: string }>;
  assert.deepEqual(Object.keys(entries[0]!), ['name', 'key_sha256']);
  assert.ok(!lines.includes(key), 'the config lines hold the hash only');
  const auth = createAuthenticator(parseConfig({ auth: { enabled: true, api_keys: entries } }))!;
  const principal = await auth.authenticate(new Headers({ authorization: `Bearer ${key}` }));
  assert.ok(!isAuthFailure(principal));
  assert.equal(principal.id, 'team-a');

  const second = await run('--', 'new', 'team-a');
  assert.notEqual(/^  (sk-gw-\S+)$/m.exec(second.out)![1], key, 'every key is new');
});

test('keys: usage errors exit 2; help exits 0', async () => {
  assert.equal((await run()).code, 2);
  assert.equal((await run('new')).code, 2);
  assert.equal((await run('list')).code, 2);
  assert.equal((await run('new', 'a', 'b')).code, 2);
  const bad = await run('new', 'has space');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /not a key name/);
  assert.equal((await run('--help')).code, 0);
});
