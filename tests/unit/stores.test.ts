import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { MemoryStore } from '../../src/conversation/memory-store.ts';
import { PostgresStore } from '../../src/conversation/postgres-store.ts';
import { RedisStore } from '../../src/conversation/redis-store.ts';
import type { ConversationStore } from '../../src/conversation/store.ts';
import { StoreUnavailableError } from '../../src/errors/gateway-error.ts';
import { TcpProxy } from '../fakes/tcp-proxy.ts';
import { POSTGRES_URL, REDIS_URL, uniquePrefix, uniqueSchema, viaPort } from '../helpers/stores.ts';
import { turn } from '../helpers/turns.ts';

type Store = ConversationStore & { refreshCount?(): Promise<number> };

interface Backend {
  name: string;
  /** A fresh, empty store; `url` replaces the backend's address (to go through a proxy). */
  make(options: { ttl: number; url?: (url: string) => string; timeoutMs?: number }): Promise<Store>;
  url: string;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const backends: Backend[] = [
  { name: 'memory', url: '', make: async ({ ttl }) => new MemoryStore({ ttl, maxEntries: 10_000, maxBytes: 1 << 26 }) },
  {
    name: 'redis',
    url: REDIS_URL,
    async make({ ttl, url = (u) => u, timeoutMs }) {
      const keyPrefix = uniquePrefix();
      const store = new RedisStore({ url: url(REDIS_URL), ttl, keyPrefix, ...(timeoutMs ? { timeoutMs } : {}) });
      cleanups.push(async () => {
        await store.shutdown();
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      });
      return store;
    },
  },
  {
    name: 'postgres',
    url: POSTGRES_URL,
    async make({ ttl, url = (u) => u, timeoutMs }) {
      const schema = await uniqueSchema();
      const store = new PostgresStore({ url: url(schema.url), ttl, ...(timeoutMs ? { timeoutMs } : {}) });
      cleanups.push(async () => {
        await store.shutdown();
        await schema.drop();
      });
      return store;
    },
  },
];

const me = { owner: 'anonymous' };

for (const backend of backends) {
  describe(`conversation store contract: ${backend.name}`, () => {
    test('create, get, chain (oldest first, own input only per turn), delete', async () => {
      const store = await backend.make({ ttl: 60_000 });
      await store.ping();
      await store.create(me, turn('resp_a', { text: 'one' }));
      await store.create(me, turn('resp_b', { previous: 'resp_a', text: 'two', depth: 2 }));
      await store.create(me, turn('resp_c', { previous: 'resp_b', text: 'three', depth: 3 }));
      const got = await store.get(me, 'resp_b');
      assert.deepEqual(got, turn('resp_b', { previous: 'resp_a', text: 'two', depth: 2 }));
      const chain = await store.chain(me, 'resp_c');
      assert.ok(Array.isArray(chain));
      assert.deepEqual(chain.map((t) => [t.id, t.input.length, t.previousId]), [['resp_a', 1, null], ['resp_b', 1, 'resp_a'], ['resp_c', 1, 'resp_b']]);
      assert.equal(await store.get(me, 'resp_nope'), undefined);
      assert.equal(await store.chain(me, 'resp_nope'), undefined);
      assert.equal(await store.delete(me, 'resp_b'), true);
      assert.equal(await store.delete(me, 'resp_b'), false);
      assert.equal(await store.get(me, 'resp_b'), undefined);
      // The chain is broken, and says where, rather than skipping a turn.
      assert.deepEqual(await store.chain(me, 'resp_c'), { broken: 'resp_b' });
      assert.ok(Array.isArray(await store.chain(me, 'resp_a')));
    });

    test('ownership: another owner gets not found from get, chain and delete', async () => {
      const store = await backend.make({ ttl: 60_000 });
      const alice = { owner: 'alice' };
      const bob = { owner: 'bob' };
      await store.create(alice, turn('resp_x', { owner: 'alice' }));
      assert.equal(await store.get(bob, 'resp_x'), undefined);
      assert.equal(await store.chain(bob, 'resp_x'), undefined);
      assert.equal(await store.delete(bob, 'resp_x'), false);
      assert.equal((await store.get(alice, 'resp_x'))?.owner, 'alice');
      assert.equal(await store.delete(alice, 'resp_x'), true);
    });

    test('the active count follows creations, deletions and expiry', async () => {
      const store = await backend.make({ ttl: 400 });
      await (store.refreshCount?.() ?? Promise.resolve());
      assert.equal(store.activeCount(), 0);
      await store.create(me, turn('resp_1'));
      await store.create(me, turn('resp_2'));
      assert.equal(store.activeCount(), 2, 'own changes show at once');
      await store.delete(me, 'resp_1');
      assert.equal(store.activeCount(), 1);
      if (store.refreshCount) assert.equal(await store.refreshCount(), 1);
      await sleep(600);
      if (store.refreshCount) await store.refreshCount();
      assert.equal(store.activeCount(), 0, 'expired');
    });

    test('TTL: a response is gone after it; continuing a conversation renews its earlier turns', async () => {
      const store = await backend.make({ ttl: 600 });
      await store.create(me, turn('resp_old'));
      await store.create(me, turn('resp_lone'));
      await sleep(400);
      await store.create(me, turn('resp_new', { previous: 'resp_old', depth: 2 }));
      await sleep(400); // resp_old is 800 ms old: alive because its conversation was continued 400 ms ago
      const chain = await store.chain(me, 'resp_new');
      assert.ok(Array.isArray(chain), `chain: ${JSON.stringify(chain)}`);
      assert.deepEqual(chain.map((t) => t.id), ['resp_old', 'resp_new']);
      assert.equal(await store.get(me, 'resp_lone'), undefined, 'not continued: expired');
      await sleep(400);
      assert.equal(await store.get(me, 'resp_new'), undefined);
      assert.equal(await store.chain(me, 'resp_new'), undefined);
    });

    if (backend.name === 'memory') return;

    test('the store going away: StoreUnavailableError within the time limit, then back by itself', async () => {
      const target = new URL(backend.url);
      const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
      cleanups.push(() => proxy.stop());
      const store = await backend.make({ ttl: 60_000, url: (u) => viaPort(u, proxy.port), timeoutMs: 1_000 });
      await store.create(me, turn('resp_before'));
      for (const how of ['reset', 'silent'] as const) {
        proxy.cut(how);
        for (const operation of [() => store.get(me, 'resp_before'), () => store.create(me, turn(`resp_${how}`)), () => store.ping()]) {
          const started = performance.now();
          await assert.rejects(operation(), (error: unknown) => {
            assert.ok(error instanceof StoreUnavailableError, String(error));
            assert.equal(error.status, 503);
            assert.equal(error.code, 'store_unavailable');
            return true;
          });
          assert.ok(performance.now() - started < 3_000, `${how}: failed after ${performance.now() - started} ms`);
        }
        proxy.restore();
        // Reconnecting is the client's own business: no call to the store tells it to.
        let back = false;
        for (let i = 0; i < 50 && !back; i++) {
          back = await store.get(me, 'resp_before').then((t) => t?.id === 'resp_before', () => false);
          if (!back) await sleep(100);
        }
        assert.ok(back, `${how}: the store did not come back`);
      }
    });
  });
}

describe('postgres schema', () => {
  test('tables are created at start-up with a recorded version; a newer schema is refused', async () => {
    const schema = await uniqueSchema();
    cleanups.push(() => schema.drop());
    const store = new PostgresStore({ url: schema.url, ttl: 60_000 });
    await store.ping();
    const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    try {
      const versions = await sql.unsafe(`SELECT version FROM ${schema.schema}.llmgw_schema_version ORDER BY version`);
      assert.deepEqual(versions.map((r) => r.version), [1]);
      // A second instance on the same schema migrates nothing.
      const second = new PostgresStore({ url: schema.url, ttl: 60_000 });
      await second.ping();
      await second.shutdown();
      assert.equal((await sql.unsafe(`SELECT count(*)::int AS n FROM ${schema.schema}.llmgw_schema_version`))[0]!.n, 1);
      await sql.unsafe(`INSERT INTO ${schema.schema}.llmgw_schema_version (version) VALUES (99)`);
      const newer = new PostgresStore({ url: schema.url, ttl: 60_000 });
      await assert.rejects(newer.ping(), (error: unknown) => error instanceof StoreUnavailableError && /schema is at version 99/.test(error.reason));
      await newer.shutdown();
    } finally {
      await store.shutdown();
      await sql.end();
    }
  });

  test('the sweep deletes expired conversations with their turns', async () => {
    const schema = await uniqueSchema();
    cleanups.push(() => schema.drop());
    let now = 1_000_000;
    const store = new PostgresStore({ url: schema.url, ttl: 1_000, now: () => now });
    await store.create(me, turn('resp_s1'));
    await store.create(me, turn('resp_s2', { previous: 'resp_s1', depth: 2 }));
    await store.create(me, turn('resp_s3'));
    now += 500;
    await store.create(me, turn('resp_s4'));
    now += 600; // s1..s3 expired; s4 not
    assert.equal(await store.sweep(), 2, 'two conversations');
    const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql.unsafe(`SELECT id FROM ${schema.schema}.llmgw_turns ORDER BY id`);
      assert.deepEqual(rows.map((r) => r.id), ['resp_s4']);
      assert.equal(await store.refreshCount(), 1);
    } finally {
      await store.shutdown();
      await sql.end();
    }
  });
});

describe('redis layout', () => {
  test('every key carries key_prefix and a key expiry; a turn stores its own input only', async () => {
    const keyPrefix = uniquePrefix();
    const store = new RedisStore({ url: REDIS_URL, ttl: 60_000, keyPrefix });
    const redis = new Redis(REDIS_URL);
    try {
      await store.create(me, turn('resp_k1', { text: 'x'.repeat(1000) }));
      await store.create(me, turn('resp_k2', { previous: 'resp_k1', text: 'y', depth: 2 }));
      const keys = (await redis.keys(`${keyPrefix}*`)).sort();
      assert.deepEqual(keys, [`${keyPrefix}expiry`, `${keyPrefix}t:resp_k1`, `${keyPrefix}t:resp_k2`]);
      for (const key of keys.filter((k) => k.includes(':t:'))) {
        const ttl = await redis.pttl(key);
        assert.ok(ttl > 50_000 && ttl <= 60_000, `${key}: ${ttl}`);
      }
      const body = await redis.hget(`${keyPrefix}t:resp_k2`, 'body');
      assert.ok(body!.length < 1000, 'the second turn does not repeat the first');
    } finally {
      await store.shutdown();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
