import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstrumentedProvider } from '../../src/observability/instrumented-provider.ts';
import { InstrumentedStore } from '../../src/observability/instrumented-store.ts';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { MOCK_MODELS, testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';

async function scrape(gw: TestGateway) {
  const res = await gw.request('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const MOCK = { provider: 'mock', model: 'mock' };

describe('metrics exposition', () => {
  test("the seed's expected output: the active-conversation gauge at 0, and a scrape counted once it is answered", async () => {
    const gw = testGateway({ observability: { metrics: { default_metrics: false } } });
    const first = await scrape(gw);
    assert.match(first.text, /^# HELP http_requests_total Total number of HTTP requests\n# TYPE http_requests_total counter$/m);
    assert.match(first.text, /^# HELP conversation_active_count Number of active conversations\n# TYPE conversation_active_count gauge\nconversation_active_count\{backend="memory"\} 0$/m);
    assert.equal(sample(first.samples, 'http_requests_total', { path: '/metrics' }), undefined, 'a scrape does not count itself');
    const second = await scrape(gw);
    assert.match(second.text, /^http_requests_total\{method="GET",path="\/metrics",status="200"\} 1$/m);
  });

  test('every metric of the seed is exposed with its type', async () => {
    const gw = testGateway();
    await gw.post('/v1/responses', { model: 'mock', input: 'x', stream: true }).then((r) => r.text());
    await gw.post('/v1/responses', { model: 'mock', input: 'x' }).then((r) => r.text());
    const { text } = await scrape(gw);
    const types: Record<string, string> = {
      http_requests_total: 'counter',
      http_request_duration_seconds: 'histogram',
      http_request_size_bytes: 'histogram',
      http_response_size_bytes: 'histogram',
      provider_requests_total: 'counter',
      provider_request_duration_seconds: 'histogram',
      provider_tokens_total: 'counter',
      provider_stream_ttfb_seconds: 'histogram',
      provider_stream_chunks_total: 'counter',
      provider_stream_duration_seconds: 'histogram',
      conversation_operations_total: 'counter',
      conversation_operation_duration_seconds: 'histogram',
      conversation_active_count: 'gauge',
      gateway_overhead_seconds: 'histogram',
      provider_cost_usd_total: 'counter',
    };
    for (const [name, type] of Object.entries(types)) assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    assert.match(text, /^process_cpu_user_seconds_total /m, 'default process metrics');
  });

  test('histogram buckets resolve 100 µs and reach 5 minutes', async () => {
    const gw = testGateway();
    await gw.request('/health');
    const { samples } = await scrape(gw);
    const les = samples.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.path === '/health').map((s) => s.labels.le);
    assert.equal(les[0], '0.0001');
    assert.deepEqual(les.slice(-2), ['300', '+Inf']);
  });
});

describe('what moves after one POST /v1/responses', () => {
  for (const stream of [false, true]) {
    test(stream ? 'streamed' : 'non-streamed', async () => {
      const gw = testGateway();
      const res = await gw.post('/v1/responses', { model: 'mock', input: 'Hello, world!', stream }, { 'content-type': 'application/json' });
      const body = await res.text();
      const operation = stream ? 'generate_stream' : 'generate';
      const { samples } = await scrape(gw);
      assert.equal(sample(samples, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '200' }), 1);
      assert.equal(sample(samples, 'provider_requests_total', { ...MOCK, operation, status: 'success' }), 1);
      assert.equal(sample(samples, 'provider_requests_total', { ...MOCK, operation, status: 'error' }), 0);
      assert.equal(sample(samples, 'provider_tokens_total', { ...MOCK, type: 'input' }), 2);
      assert.equal(sample(samples, 'provider_tokens_total', { ...MOCK, type: 'output' }), 3);
      assert.equal(sample(samples, 'provider_request_duration_seconds_count', { ...MOCK, operation }), 1);
      assert.equal(sample(samples, 'http_request_duration_seconds_count', { method: 'POST', path: '/v1/responses' }), 1);
      assert.equal(sample(samples, 'http_request_size_bytes_sum', { method: 'POST', path: '/v1/responses' }), JSON.stringify({ model: 'mock', input: 'Hello, world!', stream }).length);
      assert.equal(sample(samples, 'http_response_size_bytes_sum', { method: 'POST', path: '/v1/responses' }), new TextEncoder().encode(body).byteLength);
      assert.equal(sample(samples, 'gateway_overhead_seconds_count', { path: '/v1/responses' }), 1);
      assert.equal(sample(samples, 'conversation_operations_total', { operation: 'create', backend: 'memory', status: 'success' }), 1);
      assert.equal(sample(samples, 'conversation_active_count', { backend: 'memory' }), 1);
      assert.equal(sample(samples, 'provider_stream_ttfb_seconds_count', MOCK), stream ? 1 : 0);
      assert.equal(sample(samples, 'provider_stream_chunks_total', MOCK), stream ? 3 : 0);
      assert.equal(sample(samples, 'provider_stream_duration_seconds_count', MOCK), stream ? 1 : 0);
    });
  }
});

describe('streams settle exactly once', () => {
  test('an upstream failure mid-stream: status error, tokens as far as reported', async () => {
    const gw = testGateway(MOCK_MODELS);
    await (await gw.post('/v1/responses', { model: 'failing', input: 'x', stream: true })).text();
    const { samples } = await scrape(gw);
    const labels = { provider: 'failing', model: 'failing', operation: 'generate_stream' };
    assert.equal(sample(samples, 'provider_requests_total', { ...labels, status: 'error' }), 1);
    assert.equal(sample(samples, 'provider_requests_total', { ...labels, status: 'success' }), 0);
    assert.equal(sample(samples, 'provider_tokens_total', { provider: 'failing', model: 'failing', type: 'output' }), 3);
    assert.equal(sample(samples, 'provider_stream_chunks_total', { provider: 'failing', model: 'failing' }), 3);
  });

  test('a client that disconnects: status cancelled, input tokens counted, HTTP duration until the disconnect', async () => {
    const gw = testGateway(MOCK_MODELS);
    const res = await gw.post('/v1/responses', { model: 'slow', input: 'three input words', stream: true });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: response\.output_text\.delta/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await sleep(20);
    const { samples } = await scrape(gw);
    const labels = { provider: 'slow', model: 'slow' };
    assert.equal(sample(samples, 'provider_requests_total', { ...labels, operation: 'generate_stream', status: 'cancelled' }), 1);
    assert.equal(sample(samples, 'provider_requests_total', { ...labels, operation: 'generate_stream', status: 'success' }), 0);
    assert.equal(sample(samples, 'provider_requests_total', { ...labels, operation: 'generate_stream', status: 'error' }), 0);
    assert.equal(sample(samples, 'provider_tokens_total', { ...labels, type: 'input' }), 3);
    const chunks = sample(samples, 'provider_stream_chunks_total', labels)!;
    assert.ok(chunks >= 2 && chunks < 100, `chunks ${chunks}`);
    assert.equal(sample(samples, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '200' }), 1);
    // Scraping again changes nothing: it was settled once.
    await sleep(100);
    const again = await scrape(gw);
    assert.equal(sample(again.samples, 'provider_requests_total', { ...labels, operation: 'generate_stream', status: 'cancelled' }), 1);
    assert.equal(sample(again.samples, 'provider_request_duration_seconds_count', { ...labels, operation: 'generate_stream' }), 1);
  });

  test('the HTTP duration of a stream ends at its last byte', async () => {
    const gw = testGateway({ providers: { p: { type: 'mock', chunks: 5, chunk_delay_ms: 40 } }, models: [{ name: 'p', provider: 'p' }] });
    const started = performance.now();
    await (await gw.post('/v1/responses', { model: 'p', input: 'x', stream: true })).text();
    const elapsed = (performance.now() - started) / 1000;
    const { samples } = await scrape(gw);
    const sum = sample(samples, 'http_request_duration_seconds_sum', { method: 'POST', path: '/v1/responses' })!;
    assert.ok(sum >= 0.2 && sum <= elapsed, `duration ${sum} s, stream took ${elapsed} s`);
    const overhead = sample(samples, 'gateway_overhead_seconds_sum', { path: '/v1/responses' })!;
    assert.ok(overhead < sum / 2, `overhead ${overhead} s is not the time spent waiting for the upstream`);
  });

  test('a client that leaves a non-streamed call: cancelled', async () => {
    const gw = testGateway({ providers: { p: { type: 'mock', ttfb_ms: 5_000 } }, models: [{ name: 'p', provider: 'p' }] });
    const client = new AbortController();
    const pending = gw.gateway.fetch(new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"p","input":"x"}', signal: client.signal }));
    await sleep(30);
    client.abort();
    assert.equal((await pending).status, 499);
    const { samples } = await scrape(gw);
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'p', model: 'p', operation: 'generate', status: 'cancelled' }), 1);
    assert.equal(sample(samples, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '499' }), 1);
  });
});

describe('conversation store metrics', () => {
  test('operations by kind and status; the active count follows creation, deletion, expiry and eviction', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const gw = testGateway({ conversations: { ttl: '10m', max_entries: 3 } }, { now: () => now });
    const active = async () => sample((await scrape(gw)).samples, 'conversation_active_count', { backend: 'memory' });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await (await gw.post('/v1/responses', { model: 'mock', input: 'x' })).json()).id);
    assert.equal(await active(), 2);
    await gw.request(`/v1/responses/${ids[0]}`, { method: 'DELETE' });
    assert.equal(await active(), 1);
    for (let i = 0; i < 4; i++) await gw.post('/v1/responses', { model: 'mock', input: 'x' });
    assert.equal(await active(), 3, 'evicted down to max_entries');
    now += 10 * 60_000;
    assert.equal(await active(), 0, 'expired');
    await gw.request(`/v1/responses/${ids[1]}`);
    const { samples } = await scrape(gw);
    const op = (operation: string, status = 'success') => sample(samples, 'conversation_operations_total', { operation, backend: 'memory', status });
    assert.deepEqual([op('create'), op('delete'), op('get'), op('get', 'error')], [6, 1, 1, 0]);
    assert.equal(sample(samples, 'conversation_operation_duration_seconds_count', { operation: 'create', backend: 'memory' }), 6);
  });
});

describe('bounded cardinality', () => {
  test('1,000 bogus paths, methods and model names add no series', async () => {
    const gw = testGateway({ observability: { metrics: { default_metrics: false } } });
    const hit = async (i: number) => {
      await gw.request(`/bogus/${i}/x?y=${i}`);
      await gw.post('/v1/responses', { model: `invented-${i}`, input: 'x' });
      await gw.request(`/v1/responses/resp_${i}`);
      await gw.request(`/v1/responses/resp_${i}`, { method: `FOO${i}` });
    };
    await hit(-1);
    await scrape(gw); // the first scrape's own series appear from the second on
    const before = (await scrape(gw)).samples.length;
    for (let i = 0; i < 1000; i++) await hit(i);
    const after = await scrape(gw);
    assert.equal(after.samples.length, before);
    assert.equal(sample(after.samples, 'http_requests_total', { method: 'GET', path: 'unmatched', status: '404' }), 1001);
    assert.equal(sample(after.samples, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '404' }), 1001);
    assert.equal(sample(after.samples, 'http_requests_total', { method: 'GET', path: '/v1/responses/:id', status: '404' }), 1001);
    assert.equal(sample(after.samples, 'http_requests_total', { method: 'OTHER', path: '/v1/responses/:id', status: '405' }), 1001);
    assert.ok(!after.text.includes('invented-'), 'no client-invented model name in any label');
    assert.ok(!after.text.includes('resp_'), 'no ids in any label');
  });
});

describe('configuration', () => {
  for (const [label, observability] of [
    ['observability.enabled: false', { enabled: false }],
    ['observability.metrics.enabled: false', { metrics: { enabled: false } }],
  ] as const) {
    test(`${label}: no endpoint, no wrappers`, async () => {
      const gw = testGateway({ ...MOCK_MODELS, observability });
      assert.equal((await gw.request('/metrics')).status, 404);
      assert.equal(gw.gateway.metrics, undefined);
      assert.ok(!(gw.gateway.store instanceof InstrumentedStore));
      assert.ok(gw.gateway.router.resolve('mock')!.provider instanceof MockProvider);
      assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x' })).status, 200);
    });
  }

  test('metrics on: providers and the store are wrapped', () => {
    const gw = testGateway(MOCK_MODELS);
    assert.ok(gw.gateway.store instanceof InstrumentedStore);
    assert.ok(gw.gateway.router.resolve('mock')!.provider instanceof InstrumentedProvider);
  });

  test('a custom path; wrong methods on it get 405', async () => {
    const gw = testGateway({ observability: { metrics: { path: '/internal/prom' } } });
    assert.equal((await gw.request('/metrics')).status, 404);
    assert.equal((await gw.request('/internal/prom')).status, 200);
    assert.equal((await gw.request('/internal/prom', { method: 'POST' })).status, 405);
  });

  test('default_metrics: false leaves out process metrics', async () => {
    const gw = testGateway({ observability: { metrics: { default_metrics: false } } });
    const { text } = await scrape(gw);
    assert.ok(!text.includes('process_cpu'));
  });

  test('two gateways in one process do not share counters', async () => {
    const a = testGateway();
    const b = testGateway();
    await a.post('/v1/responses', { model: 'mock', input: 'x' });
    assert.equal(sample((await scrape(a)).samples, 'provider_requests_total', { ...MOCK, operation: 'generate', status: 'success' }), 1);
    assert.equal(sample((await scrape(b)).samples, 'provider_requests_total', { ...MOCK, operation: 'generate', status: 'success' }), 0);
  });

  test('provider_cost_usd_total from models[].pricing', async () => {
    const gw = testGateway({
      providers: { mock: { type: 'mock' } },
      models: [{ name: 'priced', provider: 'mock', pricing: { input_per_million: 2, output_per_million: 10 } }, { name: 'free', provider: 'mock' }],
    });
    await gw.post('/v1/responses', { model: 'priced', input: 'one two three four' }); // 4 in, 5 out
    await gw.post('/v1/responses', { model: 'free', input: 'x' });
    const { samples } = await scrape(gw);
    assert.equal(sample(samples, 'provider_cost_usd_total', { provider: 'mock', model: 'priced' }), (4 * 2 + 5 * 10) / 1e6);
    assert.equal(sample(samples, 'provider_cost_usd_total', { provider: 'mock', model: 'free' }), undefined);
  });
});
