import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectAfterBodies } from '../../src/adapters/collect-after-bodies.ts';

const MiB = 1024 * 1024;

test('collects once each budget of large bodies has arrived, and never for small or undeclared ones', () => {
  let collections = 0;
  const count = collectAfterBodies(() => collections++, 16 * MiB);
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
