import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { TcpProxy } from '../fakes/tcp-proxy.ts';
import { startServer, TARGETS, writeConfig, type RunningServer } from '../helpers/server.ts';
import { cleanRedisPrefix, POSTGRES_URL, REDIS_URL, uniquePrefix, uniqueSchema, viaPort } from '../helpers/stores.ts';

/**
 * Two gateway processes on one store, as behind a load balancer: one on
 * Node, one on Bun, so the stored form is shown to be the same across
 * runtimes too. A conversation continues across them, and survives
 * restarting both; the store going away and coming back is seen by real
 * processes through a proxy that cuts it.
 */

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function config(conversations: Record<string, unknown>): string {
  return writeConfig(stringify({
    server: { address: '127.0.0.1:0' },
    providers: { mock: { type: 'mock' } },
    models: [{ name: 'mock', provider: 'mock' }],
    conversations,
  }));
}

async function start(target: 'node' | 'bun', configPath: string): Promise<{ server: RunningServer; sdk: OpenAI }> {
  const server = await startServer(TARGETS[target]!, configPath);
  cleanups.push(() => server.stop());
  return { server, sdk: new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

const backends = [
  {
    name: 'redis',
    async conversations(url = (u: string) => u) {
      const key_prefix = uniquePrefix();
      cleanups.push(() => cleanRedisPrefix(key_prefix));
      return { store: 'redis', url: url(REDIS_URL), key_prefix };
    },
    address: new URL(REDIS_URL),
  },
  {
    name: 'postgres',
    async conversations(url = (u: string) => u) {
      const schema = await uniqueSchema();
      cleanups.push(() => schema.drop());
      return { store: 'postgres', url: url(schema.url) };
    },
    address: new URL(POSTGRES_URL),
  },
];

for (const backend of backends) {
  describe(`scale-out on ${backend.name}`, () => {
    test('a 3-turn chain alternating between two instances retrieves identically from both, and survives restarting both', async () => {
      const path = config(await backend.conversations());
      let a = await start('node', path);
      let b = await start('bun', path);
      const first = await a.sdk.responses.create({ model: 'mock', input: 'alpha' });
      const second = await b.sdk.responses.create({ model: 'mock', input: 'beta', previous_response_id: first.id });
      const third = await a.sdk.responses.stream({ model: 'mock', input: 'gamma', previous_response_id: second.id }).finalResponse();
      // alpha, Echo: alpha, beta, Echo: beta, gamma
      assert.equal(third.usage?.input_tokens, 1 + 2 + 1 + 2 + 1);
      const fromA = await a.sdk.responses.retrieve(third.id);
      const fromB = await b.sdk.responses.retrieve(third.id);
      assert.deepEqual(fromA, fromB);
      assert.equal(fromB.output_text, 'Echo: gamma');
      for (const id of [first.id, second.id]) assert.deepEqual(await a.sdk.responses.retrieve(id), await b.sdk.responses.retrieve(id));

      await Promise.all([a.server.stop(), b.server.stop()]);
      a = await start('node', path);
      b = await start('bun', path);
      assert.deepEqual(await b.sdk.responses.retrieve(third.id), fromA);
      const fourth = await b.sdk.responses.create({ model: 'mock', input: 'delta', previous_response_id: third.id });
      assert.equal(fourth.usage?.input_tokens, 7 + 2 + 1);
      const items = [];
      for await (const item of a.sdk.responses.inputItems.list(fourth.id)) items.push(item);
      assert.deepEqual(items.map((item) => (item as { content: unknown }).content), [[{ type: 'input_text', text: 'delta' }]]);
      await a.sdk.responses.delete(fourth.id);
      await assert.rejects(b.sdk.responses.retrieve(fourth.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    });

    test('the store stopped: chaining gets 503 store_unavailable within 5 s, store: false still succeeds, /ready says why; after it is back everything works without a restart', async () => {
      const proxy = await new TcpProxy(backend.address.hostname, Number(backend.address.port)).start();
      cleanups.push(() => proxy.stop());
      const { server, sdk } = await start('node', config(await backend.conversations((u) => viaPort(u, proxy.port))));
      const kept = await sdk.responses.create({ model: 'mock', input: 'before' });
      proxy.cut('reset');
      const started = Date.now();
      await assert.rejects(sdk.responses.create({ model: 'mock', input: 'next', previous_response_id: kept.id }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 503);
        assert.equal(error.code, 'store_unavailable');
        return true;
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      const free = await sdk.responses.create({ model: 'mock', input: 'not kept', store: false });
      assert.equal(free.output_text, 'Echo: not kept');
      const ready = await fetch(`${server.baseUrl}/ready`);
      assert.equal(ready.status, 503);
      assert.match((await ready.json()).checks.store, new RegExp(`^${backend.name} unreachable: `));
      const unstored = await fetch(`${server.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"mock","input":"lost?"}' });
      assert.equal(unstored.status, 200);
      assert.equal(unstored.headers.get('x-gateway-store'), 'failed');
      await server.waitForLog((l) => l.msg === 'failed to store response');

      proxy.restore();
      let next;
      for (let i = 0; i < 50 && !next; i++) {
        next = await sdk.responses.create({ model: 'mock', input: 'next', previous_response_id: kept.id }).catch(() => undefined);
        if (!next) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(next?.output_text, 'Echo: next');
      assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200);
    });
  });
}
