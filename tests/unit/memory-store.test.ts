import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../src/conversation/memory-store.ts';
import type { StoredResponse } from '../../src/conversation/store.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';

function record(id: string): StoredResponse {
  return { id, owner: 'anonymous', response: { id } as StoredResponse['response'], input: [], inputStart: 0 };
}

describe('memory store', () => {
  test('entries expire after the TTL and are counted out', async () => {
    let now = 1_000;
    const store = new MemoryStore({ ttl: 100, maxEntries: 10, now: () => now });
    await store.create(record('a'));
    now += 50;
    await store.create(record('b'));
    assert.equal(await store.count(), 2);
    now += 50; // a is 100 ms old
    assert.equal(await store.get('a'), undefined);
    assert.equal(await store.count(), 1);
    assert.equal((await store.get('b'))?.id, 'b');
    now += 50;
    assert.equal(await store.count(), 0);
    assert.equal(await store.delete('b'), false);
  });

  test('max_entries evicts the oldest first', async () => {
    const store = new MemoryStore({ ttl: 60_000, maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await store.create(record(id));
    assert.equal(await store.count(), 3);
    assert.equal(await store.get('a'), undefined);
    assert.equal(await store.get('b'), undefined);
    assert.deepEqual(await Promise.all(['c', 'd', 'e'].map(async (id) => (await store.get(id))?.id)), ['c', 'd', 'e']);
  });

  test('delete removes and reports whether there was something', async () => {
    const store = new MemoryStore({ ttl: 60_000, maxEntries: 3 });
    await store.create(record('a'));
    assert.equal(await store.delete('a'), true);
    assert.equal(await store.delete('a'), false);
    assert.equal(await store.count(), 0);
  });

  test('through the gateway: conversations.ttl and max_entries apply', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { post, request, gateway } = testGateway({ conversations: { ttl: '1m', max_entries: 2 } }, { now: () => now });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await post('/v1/responses', { model: 'mock', input: `n${i}` })).json()).id);
    assert.equal(await gateway.store.count(), 2);
    assert.equal((await request(`/v1/responses/${ids[0]}`)).status, 404, 'oldest evicted');
    assert.equal((await request(`/v1/responses/${ids[2]}`)).status, 200);
    now += 60_000;
    assert.equal((await request(`/v1/responses/${ids[2]}`)).status, 404, 'expired');
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: ids[2] })).status, 400);
    assert.equal(await gateway.store.count(), 0);
  });
});
