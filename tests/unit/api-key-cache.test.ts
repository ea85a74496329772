import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKeyVerifier, MAX_REMEMBERED_WRONG_KEYS, sha256HexAsync } from '../../src/auth/api-key-verifier.ts';

const KEYS = ['sk-gw-team-a-0123456789abcdef0123456789abcdef01234', 'sk-gw-team-b-0123456789abcdef0123456789abcdef01234'];

/** A verifier for the two keys above whose hash calls are counted. */
async function counted(options: { maxWrongKeys?: number } = {}) {
  const config = await Promise.all(KEYS.map(async (key, i) => ({ name: `team-${'ab'[i]}`, key_sha256: await sha256HexAsync(key) })));
  let hashes = 0;
  const verifier = new ApiKeyVerifier(config as never, {
    ...options,
    hash: (key) => {
      hashes++;
      return sha256HexAsync(key);
    },
  });
  return { verifier, hashes: () => hashes };
}

describe('API-key verification cache', () => {
  test('a valid key is hashed once; later requests with it hash nothing and get the same principal', async () => {
    const { verifier, hashes } = await counted();
    const first = await verifier.verify(KEYS[0]!);
    assert.equal(first?.id, 'team-a');
    for (let i = 0; i < 100; i++) assert.equal(await verifier.verify(KEYS[0]!), first);
    assert.equal(hashes(), 1);
    assert.equal((await verifier.verify(KEYS[1]!))?.id, 'team-b');
    assert.equal(hashes(), 2);
    assert.deepEqual(verifier.remembered, { valid: 2, wrong: 0 });
  });

  test('a repeated wrong key is hashed once and stays refused', async () => {
    const { verifier, hashes } = await counted();
    for (let i = 0; i < 50; i++) assert.equal(await verifier.verify('sk-gw-revoked'), undefined);
    assert.equal(hashes(), 1);
  });

  test('a flood of distinct wrong keys stays within the bound and never pushes out a valid key', async () => {
    const { verifier, hashes } = await counted({ maxWrongKeys: 64 });
    await verifier.verify(KEYS[0]!);
    for (let i = 0; i < 5_000; i++) assert.equal(await verifier.verify(`sk-gw-guess-${i}`), undefined);
    assert.deepEqual(verifier.remembered, { valid: 1, wrong: 64 });
    const before = hashes();
    assert.equal((await verifier.verify(KEYS[0]!))?.id, 'team-a');
    assert.equal(hashes(), before, 'the valid key was still remembered');
    // The oldest wrong keys were forgotten (hashed again), the newest are remembered.
    await verifier.verify('sk-gw-guess-0');
    assert.equal(hashes(), before + 1);
    await verifier.verify('sk-gw-guess-4999');
    assert.equal(hashes(), before + 1);
  });

  test('the default bound holds, and long wrong keys are not remembered at all', async () => {
    const { verifier, hashes } = await counted();
    for (let i = 0; i < MAX_REMEMBERED_WRONG_KEYS + 500; i++) await verifier.verify(`wrong-${i}`);
    assert.equal(verifier.remembered.wrong, MAX_REMEMBERED_WRONG_KEYS);
    const long = `x${'y'.repeat(300)}`;
    const before = hashes();
    await verifier.verify(long);
    await verifier.verify(long);
    assert.equal(hashes(), before + 2);
  });

  test('a key that differs from a valid one by one character is refused, even after the valid one is remembered', async () => {
    const { verifier } = await counted();
    await verifier.verify(KEYS[0]!);
    assert.equal(await verifier.verify(`${KEYS[0]!.slice(0, -1)}5`), undefined);
    assert.equal(await verifier.verify(`${KEYS[0]!} `), undefined);
    assert.equal(await verifier.verify(KEYS[0]!.toUpperCase()), undefined);
  });

  test('another verifier (other configured keys) remembers nothing of the first', async () => {
    const { verifier } = await counted();
    await verifier.verify(KEYS[0]!);
    const other = new ApiKeyVerifier([{ name: 'team-b', key_sha256: await sha256HexAsync(KEYS[1]!) }] as never);
    assert.equal(await other.verify(KEYS[0]!), undefined);
    assert.deepEqual(other.remembered, { valid: 0, wrong: 1 });
  });
});
