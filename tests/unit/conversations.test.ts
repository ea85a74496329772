import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { RecordingProvider } from '../fakes/recording-provider.ts';
import { TcpProxy } from '../fakes/tcp-proxy.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { parseResponseEvents } from '../helpers/sse.ts';
import { POSTGRES_URL, REDIS_URL, uniquePrefix, uniqueSchema, viaPort } from '../helpers/stores.ts';

/**
 * The conversation behaviour of the Responses API, the same on every backend:
 * driven through the gateway's fetch, against the real Redis and PostgreSQL.
 */

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Conversations = Record<string, unknown>;
const backends: Array<{ name: string; url: string; config(url?: (u: string) => string): Promise<Conversations> }> = [
  { name: 'memory', url: '', config: async () => ({ store: 'memory' }) },
  {
    name: 'redis',
    url: REDIS_URL,
    async config(url = (u) => u) {
      const key_prefix = uniquePrefix();
      cleanups.push(async () => {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${key_prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      });
      return { store: 'redis', url: url(REDIS_URL), key_prefix };
    },
  },
  {
    name: 'postgres',
    url: POSTGRES_URL,
    async config(url = (u) => u) {
      const schema = await uniqueSchema();
      cleanups.push(() => schema.drop());
      return { store: 'postgres', url: url(schema.url) };
    },
  },
];

function gateway(conversations: Conversations, deps: Parameters<typeof testGateway>[1] = {}): TestGateway {
  const gw = testGateway({ conversations }, deps);
  cleanups.push(() => gw.gateway.shutdown());
  return gw;
}

for (const backend of backends) {
  describe(`conversations on ${backend.name}`, () => {
    test('a chain: the model sees every earlier input and output, in order, then the new input; instructions are not carried over', async () => {
      const recorder = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 }));
      const { post, request } = gateway(await backend.config(), { providers: new Map([['mock', recorder]]) });
      const first = await (await post('/v1/responses', { model: 'mock', input: 'alpha beta', instructions: 'speak in rhymes please' })).json();
      assert.equal(first.usage.input_tokens, 6);
      const second = await (await post('/v1/responses', { model: 'mock', input: 'gamma', previous_response_id: first.id })).json();
      assert.equal(second.usage.input_tokens, 2 + 3 + 1);
      assert.equal(second.instructions, null);
      const third = parseResponseEvents(await (await post('/v1/responses', { model: 'mock', input: [{ role: 'user', content: 'delta epsilon' }], previous_response_id: second.id, stream: true })).text()).at(-1)!.response;
      assert.equal(third.usage.input_tokens, 6 + 2 + 2);
      const fourth = await (await post('/v1/responses', { model: 'mock', input: 'zeta', previous_response_id: third.id })).json();
      const texts = recorder.requests.at(-1)!.input.map((item) => (item.type === 'message' ? (item.content[0] as { text: string }).text : item.type));
      assert.deepEqual(texts, ['alpha beta', 'Echo: alpha beta', 'gamma', 'Echo: gamma', 'delta epsilon', 'Echo: delta epsilon', 'zeta']);
      assert.equal(fourth.previous_response_id, third.id);
      // Each turn lists only its own input.
      const items = await (await request(`/v1/responses/${third.id}/input_items?order=asc`)).json();
      assert.deepEqual(items.data.map((i: any) => i.content[0].text), ['delta epsilon']);
      assert.deepEqual(await (await request(`/v1/responses/${third.id}`)).json(), third);
    });

    test('an item_reference brings back an item of any earlier turn', async () => {
      const { post } = gateway(await backend.config());
      const first = await (await post('/v1/responses', { model: 'mock', input: 'remember this' })).json();
      const second = await (await post('/v1/responses', { model: 'mock', input: 'more', previous_response_id: first.id })).json();
      const third = await (await post('/v1/responses', { model: 'mock', previous_response_id: second.id, input: [{ type: 'item_reference', id: first.output[0].id }, { role: 'user', content: 'ok' }] })).json();
      assert.equal(third.status, 'completed');
      const bad = await post('/v1/responses', { model: 'mock', previous_response_id: second.id, input: [{ type: 'item_reference', id: 'msg_nope' }] });
      assert.equal((await bad.json()).error.code, 'item_not_found');
    });

    test('unknown, deleted and broken previous responses are 400 previous_response_not_found', async () => {
      const { post, request } = gateway(await backend.config());
      const unknown = await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: 'resp_missing' });
      assert.equal(unknown.status, 400);
      assert.deepEqual((await unknown.json()).error, { message: "Previous response with id 'resp_missing' not found.", type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' });
      const first = await (await post('/v1/responses', { model: 'mock', input: 'one' })).json();
      const second = await (await post('/v1/responses', { model: 'mock', input: 'two', previous_response_id: first.id })).json();
      assert.equal((await request(`/v1/responses/${first.id}`, { method: 'DELETE' })).status, 200);
      // The second turn itself is still there, but its history is not: continuing it would change what the model sees.
      assert.equal((await request(`/v1/responses/${second.id}`)).status, 200);
      const broken = await post('/v1/responses', { model: 'mock', input: 'three', previous_response_id: second.id });
      assert.equal(broken.status, 400);
      const { error } = await broken.json();
      assert.equal(error.code, 'previous_response_not_found');
      assert.match(error.message, new RegExp(`continues '${first.id}', which is no longer stored`));
    });

    test('store: false stores nothing, streamed or not', async () => {
      const { post, request, gateway: gw } = gateway(await backend.config());
      const body = await (await post('/v1/responses', { model: 'mock', input: 'x', store: false })).json();
      assert.equal(body.store, false);
      assert.equal((await request(`/v1/responses/${body.id}`)).status, 404);
      assert.equal((await post('/v1/responses', { model: 'mock', input: 'y', previous_response_id: body.id })).status, 400);
      const streamed = parseResponseEvents(await (await post('/v1/responses', { model: 'mock', input: 'x', store: false, stream: true })).text());
      assert.equal((await request(`/v1/responses/${streamed[0]!.response.id}`)).status, 404);
      assert.equal(gw.store.activeCount(), 0);
    });

    test('retrieve, delete, input_items paging; the gauge follows', async () => {
      const { post, request } = gateway(await backend.config());
      const input = ['one', 'two', 'three', 'four', 'five'].map((text) => ({ role: 'user', content: text }));
      const created = await (await post('/v1/responses', { model: 'mock', input })).json();
      assert.deepEqual(await (await request(`/v1/responses/${created.id}`)).json(), created);
      const page1 = await (await request(`/v1/responses/${created.id}/input_items?limit=2`)).json();
      assert.deepEqual(page1.data.map((i: any) => i.content[0].text), ['five', 'four']);
      const page2 = await (await request(`/v1/responses/${created.id}/input_items?limit=2&after=${page1.last_id}`)).json();
      assert.deepEqual(page2.data.map((i: any) => i.content[0].text), ['three', 'two']);
      let scrape = parseExposition(await (await request('/metrics')).text());
      assert.equal(sample(scrape, 'conversation_active_count', { backend: backend.name }), 1);
      assert.deepEqual(await (await request(`/v1/responses/${created.id}`, { method: 'DELETE' })).json(), { id: created.id, object: 'response.deleted', deleted: true });
      assert.equal((await request(`/v1/responses/${created.id}`, { method: 'DELETE' })).status, 404);
      assert.equal((await request(`/v1/responses/${created.id}`)).status, 404);
      assert.equal((await request(`/v1/responses/${created.id}/input_items`)).status, 404);
      scrape = parseExposition(await (await request('/metrics')).text());
      assert.equal(sample(scrape, 'conversation_active_count', { backend: backend.name }), 0);
      assert.equal(sample(scrape, 'conversation_operations_total', { operation: 'delete', backend: backend.name, status: 'success' }), 2);
    });

    test('a function call round trip across turns', async () => {
      const { post } = gateway(await backend.config());
      const tools = [{ type: 'function', name: 'lookup' }];
      const first = await (await post('/v1/responses', { model: 'mock', input: 'Oslo', tools, tool_choice: 'required' })).json();
      const second = await (await post('/v1/responses', { model: 'mock', previous_response_id: first.id, tools, tool_choice: 'required', input: [{ type: 'function_call_output', call_id: first.output[0].call_id, output: 'sunny' }] })).json();
      assert.equal(second.output[0].content[0].text, 'Tool result: sunny');
    });

    if (backend.name === 'memory') return;

    test('the store away: 503 store_unavailable within the limit, store: false still served, /ready names the store, answers that cannot be stored say so; then back without a restart', async () => {
      const target = new URL(backend.url);
      const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
      cleanups.push(() => proxy.stop());
      const { post, request, logs } = gateway(await backend.config((u) => viaPort(u, proxy.port)));
      const kept = await (await post('/v1/responses', { model: 'mock', input: 'before' })).json();
      for (const how of ['reset', 'silent'] as const) {
        proxy.cut(how);
        const started = performance.now();
        for (const res of [
          await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: kept.id }),
          await request(`/v1/responses/${kept.id}`),
          await request(`/v1/responses/${kept.id}`, { method: 'DELETE' }),
          await request(`/v1/responses/${kept.id}/input_items`),
        ]) {
          assert.equal(res.status, 503, how);
          assert.deepEqual((await res.json()).error, { message: `The conversation store (${backend.name}) is unavailable; try again later.`, type: 'server_error', param: null, code: 'store_unavailable' });
        }
        // Four requests, each bounded by the 2 s operation limit.
        assert.ok(performance.now() - started < 4 * 3_000, `${how}: ${performance.now() - started} ms`);
        const free = await post('/v1/responses', { model: 'mock', input: 'not kept', store: false });
        assert.equal(free.status, 200);
        assert.equal(free.headers.get('x-gateway-store'), null);
        const unstored = await post('/v1/responses', { model: 'mock', input: 'answer anyway' });
        assert.equal(unstored.status, 200);
        assert.equal(unstored.headers.get('x-gateway-store'), 'failed');
        assert.equal((await unstored.json()).output[0].content[0].text, 'Echo: answer anyway');
        assert.ok(logs.some((l) => l.msg === 'failed to store response' && l.backend === backend.name && typeof l.reason === 'string'));
        const ready = await request('/ready');
        assert.equal(ready.status, 503);
        assert.match((await ready.json()).checks.store, new RegExp(`^${backend.name} unreachable: `));
        proxy.restore();
        let back = false;
        for (let i = 0; i < 50 && !back; i++) {
          back = (await request(`/v1/responses/${kept.id}`)).status === 200;
          if (!back) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(back, `${how}: not back`);
        assert.equal((await request('/ready')).status, 200);
        assert.equal((await post('/v1/responses', { model: 'mock', input: 'after', previous_response_id: kept.id })).status, 200);
      }
      const scrape = parseExposition(await (await request('/metrics')).text());
      assert.ok(sample(scrape, 'conversation_operations_total', { operation: 'get', backend: backend.name, status: 'error' })! >= 6);
      assert.ok(sample(scrape, 'conversation_operations_total', { operation: 'create', backend: backend.name, status: 'error' })! >= 2);
      assert.ok(logs.some((l) => l.msg === 'conversation store unreachable' && l.backend === backend.name));
      assert.ok(logs.some((l) => l.msg === 'conversation store reachable again' && l.backend === backend.name));
      assert.ok(!JSON.stringify(logs).includes('postgres@'), 'no URL with credentials in the logs');
    });
  });
}
