import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { InstantProvider } from '../fakes/instant-provider.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { parseResponseEvents, parseSse } from '../helpers/sse.ts';

/** The gateway in memory; its upstreams are fake servers over real HTTP. */
describe('resilience in the request path', () => {
  const fake = new FakeUpstream();
  before(() => fake.start().then(() => undefined));
  after(() => fake.stop());

  const openai = (extra: Record<string, unknown> = {}) => ({ type: 'openai', api_key: 'sk-test-0001', base_url: `${fake.baseUrl}/v1`, ...extra });
  const anthropic = (extra: Record<string, unknown> = {}) => ({ type: 'anthropic', api_key: 'sk-ant-test-0002', base_url: fake.baseUrl, ...extra });

  test('acceptance: 500 to everything → smart answers from claude; the breaker opens, no request reaches the failing upstream until open_for has passed, then it closes', async () => {
    fake.script('acc-gpt', { kind: 'error', status: 500 });
    fake.script('acc-claude', { kind: 'text', chunks: ['from', ' claude'] });
    const gw = testGateway({
      providers: {
        openai: openai({ circuit_breaker: { failure_ratio: 0.5, min_requests: 2, window: '10s', open_for: '700ms', half_open_requests: 1 } }),
        anthropic: anthropic(),
      },
      models: [
        { name: 'smart', provider: 'openai', provider_model_id: 'acc-gpt', fallbacks: ['claude'] },
        { name: 'claude', provider: 'anthropic', provider_model_id: 'acc-claude' },
      ],
    });
    let samples = await scrape(gw);
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 0);

    for (let i = 0; i < 2; i++) {
      const res = await gw.post('/v1/responses', { model: 'smart', input: 'hi' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-gateway-model'), 'claude');
      assert.equal(res.headers.get('x-gateway-provider'), 'anthropic');
      assert.equal(res.headers.get('x-gateway-attempts'), '2');
      const body = await res.json();
      assert.equal(body.model, 'smart', "the response's model is the name asked for");
      assert.equal(body.output[0].content[0].text, 'from claude');
    }
    assert.equal(fake.requestsFor('acc-gpt').length, 2);
    samples = await scrape(gw);
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 1);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'closed', to: 'open' }), 1);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'smart', to: 'claude' }), 2);
    // Every attempt is counted with its own provider and model.
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'openai', model: 'smart', operation: 'generate', status: 'error' }), 2);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'anthropic', model: 'claude', operation: 'generate', status: 'success' }), 2);
    assert.ok(gw.logs.some((l) => l.msg === 'circuit breaker opened' && l.provider === 'openai' && l.level === 'WARN'));

    // Open: straight to the fallback, JSON and SSE alike; nothing reaches the failing upstream.
    const open = await gw.post('/v1/responses', { model: 'smart', input: 'hi' });
    assert.equal(open.headers.get('x-gateway-attempts'), '1');
    assert.equal(open.headers.get('x-gateway-model'), 'claude');
    const streamed = await gw.post('/v1/chat/completions', { model: 'smart', messages: [{ role: 'user', content: 'hi' }], stream: true });
    assert.equal(streamed.status, 200);
    assert.match(streamed.headers.get('content-type')!, /text\/event-stream/);
    assert.equal(streamed.headers.get('x-gateway-model'), 'claude');
    assert.equal(streamed.headers.get('x-gateway-provider'), 'anthropic');
    assert.equal(streamed.headers.get('x-gateway-attempts'), '1');
    const chunks = parseSse(await streamed.text());
    assert.equal(chunks.at(-1)!.data, '[DONE]');
    assert.equal(JSON.parse(chunks[0]!.data).model, 'smart');
    assert.equal(fake.requestsFor('acc-gpt').length, 2);
    // An open breaker is the gateway working.
    assert.equal((await gw.request('/ready')).status, 200);

    // After open_for, a probe goes through; it succeeds and the breaker closes.
    fake.script('acc-gpt', { kind: 'text', chunks: ['from', ' openai'] });
    await sleep(900);
    const recovered = await gw.post('/v1/responses', { model: 'smart', input: 'hi' });
    assert.equal(recovered.status, 200);
    assert.equal(recovered.headers.get('x-gateway-model'), 'smart');
    assert.equal(recovered.headers.get('x-gateway-provider'), 'openai');
    assert.equal(fake.requestsFor('acc-gpt').length, 3);
    samples = await scrape(gw);
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 0);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'open', to: 'half_open' }), 1);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'half_open', to: 'closed' }), 1);
    await gw.gateway.shutdown();
  });

  test('an open breaker with no other candidate: 503 circuit_open with Retry-After, as JSON for a stream request too', async () => {
    fake.script('solo-gpt', { kind: 'error', status: 500 });
    const gw = testGateway({
      providers: { down: openai({ circuit_breaker: { min_requests: 1, open_for: '30s' } }) },
      models: [{ name: 'solo', provider: 'down', provider_model_id: 'solo-gpt' }],
    });
    const first = await gw.post('/v1/responses', { model: 'solo', input: 'hi' });
    assert.equal(first.status, 502);
    for (const stream of [false, true]) {
      const res = await gw.post('/v1/responses', { model: 'solo', input: 'hi', stream });
      assert.equal(res.status, 503);
      assert.match(res.headers.get('content-type')!, /application\/json/);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
      const { error } = await res.json();
      assert.equal(error.code, 'circuit_open');
      assert.equal(error.type, 'server_error');
    }
    // A provider named directly is behind the same breaker.
    assert.equal((await gw.post('/v1/responses', { model: 'down/solo-gpt', input: 'hi' })).status, 503);
    assert.equal(fake.requestsFor('solo-gpt').length, 1);
    assert.equal((await gw.request('/ready')).status, 200);
    await gw.gateway.shutdown();
  });

  test('429 with Retry-After is retried after the wait it asked for', async () => {
    fake.script('r429', [{ kind: 'error', status: 429, headers: { 'retry-after': '1' } }, { kind: 'text', chunks: ['ok'] }]);
    const seen: number[] = [];
    const gw = testGateway({
      providers: { openai: openai({ retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '5s' } }) },
      models: [{ name: 'm', provider: 'openai', provider_model_id: 'r429' }],
    });
    const waiting = gw.post('/v1/responses', { model: 'm', input: 'hi' });
    await fake.waitFor((r) => r.model === 'r429');
    seen.push(performance.now());
    const res = await waiting;
    seen.push(performance.now());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gateway-attempts'), '2');
    assert.equal(fake.requestsFor('r429').length, 2);
    assert.ok(seen[1]! - seen[0]! >= 900, `waited ${Math.round(seen[1]! - seen[0]!)} ms of the 1 s asked for`);
    await gw.gateway.shutdown();
  });

  test("no retry wait past the client's own time limit (x-stainless-timeout): the client gets the 429 at once", async () => {
    fake.script('r429-late', { kind: 'error', status: 429, headers: { 'retry-after': '3' } });
    const gw = testGateway({
      providers: { openai: openai({ retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '10s' } }) },
      models: [{ name: 'm', provider: 'openai', provider_model_id: 'r429-late' }],
    });
    const started = performance.now();
    const res = await gw.post('/v1/responses', { model: 'm', input: 'hi' }, { 'x-stainless-timeout': '2' });
    assert.ok(performance.now() - started < 2_000, 'did not wait past the time limit');
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal(fake.requestsFor('r429-late').length, 1);
    await gw.gateway.shutdown();
  });

  test('a reset before the headers is retried; a 400 is never retried', async () => {
    fake.script('reset', [{ kind: 'raw', respond: (res) => void res.socket?.destroy() }, { kind: 'text', chunks: ['after', ' reset'] }]);
    fake.script('bad', { kind: 'error', status: 400 });
    const gw = testGateway({
      providers: { openai: openai({ retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '5ms' } }) },
      models: [
        { name: 'm', provider: 'openai', provider_model_id: 'reset' },
        { name: 'bad', provider: 'openai', provider_model_id: 'bad' },
      ],
    });
    const res = await gw.post('/v1/responses', { model: 'm', input: 'hi', stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gateway-attempts'), '2');
    const events = parseResponseEvents(await res.text());
    assert.equal(events.at(-1)!.type, 'response.completed');
    assert.equal(fake.requestsFor('reset').length, 2);
    assert.equal((await gw.post('/v1/responses', { model: 'bad', input: 'hi' })).status, 400);
    assert.equal(fake.requestsFor('bad').length, 1);
    await gw.gateway.shutdown();
  });

  test('a failure after the first streamed event is never retried nor falls back: the client gets response.failed', async () => {
    fake.script('mid-fail', { kind: 'text', chunks: ['a', 'b', 'c'], failAfter: 1 });
    fake.script('mid-reset', { kind: 'text', chunks: ['a', 'b', 'c'], resetAfter: 1 });
    fake.script('spare', { kind: 'text', chunks: ['spare'] });
    const gw = testGateway({
      providers: { openai: openai({ retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '5ms' }, circuit_breaker: { min_requests: 50 } }), anthropic: anthropic() },
      models: [
        { name: 'fails', provider: 'openai', provider_model_id: 'mid-fail', fallbacks: ['spare'] },
        { name: 'resets', provider: 'openai', provider_model_id: 'mid-reset', fallbacks: ['spare'] },
        { name: 'spare', provider: 'anthropic', provider_model_id: 'spare' },
      ],
    });
    for (const [model, upstream] of [['fails', 'mid-fail'], ['resets', 'mid-reset']] as const) {
      const res = await gw.post('/v1/responses', { model, input: 'hi', stream: true });
      assert.equal(res.status, 200);
      const events = parseResponseEvents(await res.text());
      assert.equal(events.at(-1)!.type, 'response.failed', model);
      assert.equal(events.filter((e) => e.type === 'response.created').length, 1, 'one answer');
      assert.equal(fake.requestsFor(upstream).length, 1, `${model}: not retried`);
    }
    assert.equal(fake.requestsFor('spare').length, 0, 'no fallback once the stream started');
    await gw.gateway.shutdown();
  });

  test('fallbacks are tried in order, each attempt a provider span under the server span and counted', async () => {
    fake.script('fb-a', { kind: 'error', status: 503 });
    fake.script('fb-b', { kind: 'error', status: 500 });
    fake.script('fb-c', { kind: 'text', chunks: ['c'] });
    fake.script('fb-d', { kind: 'text', chunks: ['d'] });
    const lines: string[] = [];
    const gw = testGateway(
      {
        providers: { openai: openai(), anthropic: anthropic() },
        models: [
          { name: 'first', provider: 'openai', provider_model_id: 'fb-a', fallbacks: ['second', 'third-alias', 'fourth'] },
          { name: 'second', provider: 'anthropic', provider_model_id: 'fb-b' },
          { name: 'third', provider: 'openai', provider_model_id: 'fb-c', aliases: ['third-alias'] },
          { name: 'fourth', provider: 'anthropic', provider_model_id: 'fb-d' },
        ],
        observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { type: 'stdout' } } },
      },
      { env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, runtime: { name: 'node', version: process.versions.node }, stdout: (line) => lines.push(line) },
    );
    const before = fake.requests.length;
    const res = await gw.post('/v1/responses', { model: 'first', input: 'hi' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gateway-model'), 'third');
    assert.equal(res.headers.get('x-gateway-attempts'), '3');
    assert.deepEqual(fake.requests.slice(before).map((r) => r.model), ['fb-a', 'fb-b', 'fb-c']);
    const samples = await scrape(gw);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'first', from: 'first', to: 'second' }), 1);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'first', from: 'second', to: 'third' }), 1);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'first', from: 'third', to: 'fourth' }), 0);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'anthropic', model: 'second', operation: 'generate', status: 'error' }), 1);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'openai', model: 'third', operation: 'generate', status: 'success' }), 1);
    await gw.gateway.shutdown();
    const spans = lines.map((l) => JSON.parse(l));
    const server = spans.find((s) => s.kind === 'SERVER');
    const attempts = spans.filter((s) => s.name === 'provider.generate');
    assert.equal(attempts.length, 3);
    for (const span of attempts) assert.equal(span.parent_span_id, server.span_id);
    assert.deepEqual(attempts.map((s) => s.attributes['provider.model']).sort(), ['first', 'second', 'third']);
    assert.equal(attempts.filter((s) => s.status.code === 'ERROR').length, 2, 'two failed attempts, and one that answered');
  });

  test('a client disconnect during a retry wait cancels everything: no further upstream call, no fallback', async () => {
    fake.script('wait-429', { kind: 'error', status: 429, headers: { 'retry-after': '2' } });
    fake.script('wait-spare', { kind: 'text', chunks: ['spare'] });
    const gw = testGateway({
      providers: { openai: openai({ retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '10s' } }), anthropic: anthropic() },
      models: [
        { name: 'm', provider: 'openai', provider_model_id: 'wait-429', fallbacks: ['spare'] },
        { name: 'spare', provider: 'anthropic', provider_model_id: 'wait-spare' },
      ],
    });
    for (const stream of [false, true]) {
      const before = fake.requestsFor('wait-429').length;
      const client = new AbortController();
      const answer = gw.request('/v1/responses', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'hi', stream }),
        signal: client.signal,
      });
      await fake.waitFor(() => fake.requestsFor('wait-429').length > before);
      await sleep(100);
      const abortedAt = performance.now();
      client.abort();
      const settled = await answer.then((res) => res.status, () => 'rejected');
      assert.ok(performance.now() - abortedAt < 1_000, `stream ${stream}: the wait ended with the client (${settled})`);
      await sleep(2_300);
      assert.equal(fake.requestsFor('wait-429').length, before + 1, `stream ${stream}: no retry after the client left`);
    }
    assert.equal(fake.requestsFor('wait-spare').length, 0);
    assert.equal(gw.logs.filter((l) => l.msg === 'response generated').length, 0);
    await gw.gateway.shutdown();
  });
});

describe('weighted targets through the gateway', () => {
  test('1,000 calls spread 3:1 within a binomial bound, each counted under its own provider', async () => {
    const gw = testGateway(
      {
        providers: { east: { type: 'mock' }, west: { type: 'mock' } },
        models: [{ name: 'pool', targets: [{ provider: 'east', provider_model_id: 'gpt-4o', weight: 3 }, { provider: 'west', provider_model_id: 'gpt-4o', weight: 1 }] }],
      },
      { providers: new Map([['east', new InstantProvider('east')], ['west', new InstantProvider('west')]]) },
    );
    const N = 1_000;
    const counts: Record<string, number> = { east: 0, west: 0 };
    for (let i = 0; i < N; i++) {
      const res = await gw.post('/v1/responses', { model: 'pool', input: 'x', store: false });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-gateway-model'), 'pool');
      counts[res.headers.get('x-gateway-provider')!]!++;
      await res.arrayBuffer();
    }
    // p = 0.75: mean 750, standard deviation √(1000 · 0.75 · 0.25) ≈ 13.7; five of them either side.
    const sd = Math.sqrt(N * 0.75 * 0.25);
    assert.ok(Math.abs(counts.east! - 750) <= 5 * sd, `east answered ${counts.east} of ${N}`);
    assert.equal(counts.east! + counts.west!, N);
    const samples = await scrape(gw);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'east', model: 'pool', operation: 'generate', status: 'success' }), counts.east);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'west', model: 'pool', operation: 'generate', status: 'success' }), counts.west);
    await gw.gateway.shutdown();
  });
});

async function scrape(gw: TestGateway) {
  return parseExposition(await (await gw.request('/metrics')).text());
}

describe('where the resilient layer is installed', () => {
  test('only for models with several targets, fallbacks, or a provider with retry or circuit_breaker; a plain model keeps its provider', () => {
    const gw = testGateway({
      providers: { plain: { type: 'mock' }, guarded: { type: 'mock', circuit_breaker: {} }, retried: { type: 'mock', retry: {} }, other: { type: 'mock' } },
      models: [
        { name: 'plain', provider: 'plain' },
        { name: 'guarded', provider: 'guarded' },
        { name: 'retried', provider: 'retried' },
        { name: 'pool', targets: [{ provider: 'plain' }, { provider: 'other' }] },
        { name: 'with-fallback', provider: 'plain', fallbacks: ['plain-alias'] },
        { name: 'plain-2', provider: 'other', aliases: ['plain-alias'] },
      ],
    });
    const router = gw.gateway.router;
    assert.equal(router.resolve('plain')!.answering, undefined);
    assert.equal(router.resolve('plain-alias')!.answering, undefined);
    assert.equal(router.resolve('plain/x')!.answering, undefined);
    for (const name of ['guarded', 'retried', 'pool', 'with-fallback', 'guarded/x']) assert.ok(router.resolve(name)!.answering, name);
    // GET /v1/models still names the primary target's provider as the owner.
    assert.equal(router.list().find((m) => m.id === 'pool')!.owned_by, 'plain');
  });

  test('a plain model answers without the x-gateway-* headers', async () => {
    const gw = testGateway({ providers: { mock: { type: 'mock' } }, models: [{ name: 'mock', provider: 'mock' }] });
    const res = await gw.post('/v1/responses', { model: 'mock', input: 'hi' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gateway-attempts'), null);
    await gw.gateway.shutdown();
  });
});
