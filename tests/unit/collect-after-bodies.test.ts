import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectAfterBodies } from '../../src/adapters/collect-after-bodies.ts';

const MiB = 1024 * 1024;

test('collects once each budget of large bodies has arrived, and never for small or undeclared ones', () => {
  let collections = 0;
  const { declared: count } = collectAfterBodies(() => collections++, 16 * MiB);
  for (let i = 0; i < 100_000; i++) count('1000');
  count(null);
  count(undefined);
  count('not a number!');
  count(String(MiB - 1));
  assert.equal(collections, 0);
  count(String(9 * MiB));
  assert.equal(collections, 0);
  count(String(9 * MiB));
  assert.equal(collections, 1, '18 MiB passed the 16 MiB budget');
  count(String(9 * MiB));
  assert.equal(collections, 1, 'the count starts again after a collection');
  count(String(9 * MiB));
  assert.equal(collections, 2);
  count(String(64 * MiB));
  assert.equal(collections, 3);
});

test('bodies counted once read (chunked, decoded, WebSocket messages) share the budget with declared ones', () => {
  let collections = 0;
  const bodies = collectAfterBodies(() => collections++, 16 * MiB);
  bodies.read(MiB - 1);
  bodies.read(0);
  bodies.read(Number.NaN);
  assert.equal(collections, 0);
  bodies.read(9 * MiB);
  bodies.declared(String(9 * MiB));
  assert.equal(collections, 1, 'a read and a declared body together passed the budget');
  bodies.read(16 * MiB);
  assert.equal(collections, 2);
});
