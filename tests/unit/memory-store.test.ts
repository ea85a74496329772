import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../src/conversation/memory-store.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { turn } from '../helpers/turns.ts';

const me = { owner: 'anonymous' };
const options = { ttl: 60_000, maxEntries: 1_000, maxBytes: 1 << 20 };

describe('memory store', () => {
  test('entries expire after the TTL and are counted out', async () => {
    let now = 1_000;
    const store = new MemoryStore({ ...options, ttl: 100, now: () => now });
    await store.create(me, turn('a'));
    now += 50;
    await store.create(me, turn('b'));
    assert.equal(store.activeCount(), 2);
    now += 50; // a is 100 ms old
    assert.equal(await store.get(me, 'a'), undefined);
    assert.equal(store.activeCount(), 1);
    assert.equal((await store.get(me, 'b'))?.id, 'b');
    now += 50;
    assert.equal(store.activeCount(), 0);
    assert.equal(store.storedBytes, 0);
    assert.equal(await store.delete(me, 'b'), false);
  });

  test('max_entries evicts the oldest first', async () => {
    const store = new MemoryStore({ ...options, maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await store.create(me, turn(id));
    assert.equal(store.activeCount(), 3);
    assert.equal(await store.get(me, 'a'), undefined);
    assert.equal(await store.get(me, 'b'), undefined);
    assert.deepEqual(await Promise.all(['c', 'd', 'e'].map(async (id) => (await store.get(me, id))?.id)), ['c', 'd', 'e']);
  });

  test('max_bytes counts serialized turns (UTF-8) and evicts the oldest until the new one fits', async () => {
    // é is two bytes in UTF-8, once in the input and once in the echoed output.
    const size = JSON.stringify(turn('a', { text: 'é'.repeat(1000) })).length + 2000;
    const store = new MemoryStore({ ...options, maxBytes: size * 3 });
    for (const id of ['a', 'b', 'c']) await store.create(me, turn(id, { text: 'é'.repeat(1000) }));
    assert.equal(store.storedBytes, size * 3);
    await store.create(me, turn('d', { text: 'é'.repeat(1000) }));
    assert.equal(store.activeCount(), 3);
    assert.equal(store.storedBytes, size * 3);
    assert.equal(await store.get(me, 'a'), undefined, 'the oldest made room');
    // One turn larger than the whole budget is refused, and nothing else is evicted for it.
    await assert.rejects(store.create(me, turn('huge', { text: 'x'.repeat(size * 3) })), /more than conversations\.max_bytes/);
    assert.equal(store.activeCount(), 3);
    await store.delete(me, 'b');
    assert.equal(store.storedBytes, size * 2);
  });

  test('a turn stores only its own input; the chain is rebuilt from the links, oldest first', async () => {
    const store = new MemoryStore(options);
    await store.create(me, turn('a', { text: 'one' }));
    await store.create(me, turn('b', { previous: 'a', text: 'two' }));
    await store.create(me, turn('c', { previous: 'b', text: 'three' }));
    const chain = await store.chain(me, 'c');
    assert.ok(Array.isArray(chain));
    assert.deepEqual(chain.map((t) => t.id), ['a', 'b', 'c']);
    assert.deepEqual((await store.get(me, 'c'))!.input.length, 1);
    assert.equal(await store.chain(me, 'nope'), undefined);
    // A gone earlier turn is reported, not skipped.
    await store.delete(me, 'b');
    assert.deepEqual(await store.chain(me, 'c'), { broken: 'b' });
  });

  test('continuing a conversation renews its earlier turns: it expires as a whole', async () => {
    let now = 0;
    const store = new MemoryStore({ ...options, ttl: 100, now: () => now });
    await store.create(me, turn('a'));
    await store.create(me, turn('other'));
    now = 80;
    await store.create(me, turn('b', { previous: 'a' }));
    now = 150; // a would have expired at 100 on its own
    const chain = await store.chain(me, 'b');
    assert.ok(Array.isArray(chain));
    assert.deepEqual(chain.map((t) => t.id), ['a', 'b']);
    assert.equal(await store.get(me, 'other'), undefined);
    assert.equal(store.activeCount(), 2);
    now = 180;
    assert.equal(store.activeCount(), 0);
  });

  test('another owner sees nothing: get, chain and delete behave as not found', async () => {
    const store = new MemoryStore(options);
    await store.create({ owner: 'alice' }, turn('a', { owner: 'alice' }));
    const bob = { owner: 'bob' };
    assert.equal(await store.get(bob, 'a'), undefined);
    assert.equal(await store.chain(bob, 'a'), undefined);
    assert.equal(await store.delete(bob, 'a'), false);
    assert.equal((await store.get({ owner: 'alice' }, 'a'))?.id, 'a');
  });

  test('through the gateway: conversations.ttl, max_entries and max_bytes apply, and the gauge follows', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { post, request, gateway } = testGateway({ conversations: { ttl: '1m', max_entries: 2 } }, { now: () => now });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await post('/v1/responses', { model: 'mock', input: `n${i}` })).json()).id);
    assert.equal(gateway.store.activeCount(), 2);
    assert.equal((await request(`/v1/responses/${ids[0]}`)).status, 404, 'oldest evicted');
    assert.equal((await request(`/v1/responses/${ids[2]}`)).status, 200);
    now += 60_000;
    assert.equal((await request(`/v1/responses/${ids[2]}`)).status, 404, 'expired');
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: ids[2] })).status, 400);
    assert.equal(gateway.store.activeCount(), 0);

    const small = testGateway({ conversations: { max_bytes: '8KiB' } });
    for (let i = 0; i < 6; i++) assert.equal((await small.post('/v1/responses', { model: 'mock', input: 'y'.repeat(2_000) })).status, 200);
    const kept = small.gateway.store.activeCount();
    assert.ok(kept >= 1 && kept < 6, `kept ${kept}`);
    const scrape = parseExposition(await (await small.request('/metrics')).text());
    assert.equal(sample(scrape, 'conversation_active_count', { backend: 'memory' }), kept);
  });
});
