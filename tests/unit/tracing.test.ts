import assert from 'node:assert/strict';
import { createServer as createHttp2Server } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { OtlpReceiver, type ReceivedSpan } from '../fakes/otlp-receiver.ts';
import { RecordingProvider } from '../fakes/recording-provider.ts';
import { ThrowingProvider } from '../fakes/throwing-provider.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { parseResponseEvents } from '../helpers/sse.ts';

const RUNTIME = { name: 'nodejs', version: process.versions.node };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

let receiver: OtlpReceiver;
let endpoint: string;
before(async () => {
  receiver = new OtlpReceiver();
  endpoint = await receiver.start();
});
after(() => receiver.close());

type Sampler = { type: 'always' | 'never' | 'probability'; rate?: number };

function traced(sampler: Sampler = { type: 'always' }, extra: Record<string, unknown> = {}, env: Record<string, string> = {}, deps: Record<string, unknown> = {}) {
  return testGateway(
    { ...MOCK_MODELS, ...extra, observability: { tracing: { enabled: true, sampler, exporter: { endpoint } } } },
    { env: { OTEL_BSP_SCHEDULE_DELAY: '20', ...env }, runtime: RUNTIME, ...deps },
  );
}

/** The spans of one trace, found through its server span's request id, once `count` have arrived. */
async function traceOf(requestId: string, count: number): Promise<ReceivedSpan[]> {
  const [server] = await receiver.waitFor((s) => s.attributes['http.request_id'] === requestId);
  await receiver.waitFor((s) => s.traceId === server!.traceId, count);
  return receiver.trace(server!.traceId);
}

const byName = (spans: ReceivedSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `${found.length} spans named ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
};

describe('span tree and attributes', () => {
  test('non-streamed: server span, provider.generate and conversation.create under it', async () => {
    const gw = traced();
    await (await gw.post('/v1/responses', { model: 'mock', input: 'Hello, world!', temperature: 0.3 }, { 'x-request-id': 'tr-plain' })).text();
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-plain', 3);
    assert.equal(spans.length, 3);
    const server = byName(spans, 'POST /v1/responses');
    const provider = byName(spans, 'provider.generate');
    const create = byName(spans, 'conversation.create');
    assert.equal(server.kind, 'SERVER');
    assert.equal(server.parentSpanId, '');
    assert.deepEqual(server.attributes, {
      'http.method': 'POST', 'http.request.method': 'POST', 'url.path': '/v1/responses', 'http.request_id': 'tr-plain',
      trace_id: server.traceId, span_id: server.spanId,
      'http.route': '/v1/responses', 'http.status_code': 200, 'http.response.status_code': 200,
    });
    assert.equal(provider.kind, 'CLIENT');
    assert.equal(provider.parentSpanId, server.spanId);
    assert.deepEqual(provider.attributes, {
      'provider.name': 'mock', 'provider.model': 'mock',
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'mock', 'gen_ai.request.model': 'mock', 'gen_ai.request.stream': false,
      'gen_ai.request.temperature': 0.3,
      'provider.input_tokens': 2, 'provider.output_tokens': 3, 'gen_ai.usage.input_tokens': 2, 'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.model': 'mock', 'gen_ai.response.finish_reasons': ['stop'],
    });
    assert.equal(create.parentSpanId, server.spanId);
    assert.equal(create.attributes['conversation.backend'], 'memory');
    assert.equal(create.attributes['conversation.message_count'], 2);
    assert.equal(create.attributes['conversation.model'], 'mock');
    assert.match(String(create.attributes['conversation.id']), /^resp_/);
    for (const span of spans) {
      assert.ok(span.endNanos >= span.startNanos);
      assert.equal(span.status.code, 'UNSET');
      assert.deepEqual(span.resource, { 'service.name': 'llm-gateway', 'service.version': '0.1.0', 'process.runtime.name': 'nodejs', 'process.runtime.version': process.versions.node });
    }
    await gw.gateway.shutdown();
  });

  test('streamed with previous_response_id: conversation.get, provider.generate_stream with stream attributes, conversation.create', async () => {
    const gw = traced();
    const first = await (await gw.post('/v1/responses', { model: 'mock', input: 'one' })).json();
    const res = await gw.post('/v1/responses', { model: 'twenty', input: 'two', previous_response_id: first.id, stream: true }, { 'x-request-id': 'tr-chain' });
    const events = parseResponseEvents(await res.text());
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-chain', 4);
    const server = byName(spans, 'POST /v1/responses');
    const get = byName(spans, 'conversation.get');
    const provider = byName(spans, 'provider.generate_stream');
    const create = byName(spans, 'conversation.create');
    for (const child of [get, provider, create]) assert.equal(child.parentSpanId, server.spanId);
    assert.deepEqual(get.attributes, {
      'conversation.id': first.id, 'conversation.backend': 'memory', 'conversation.found': true,
      'conversation.message_count': 2, 'conversation.model': 'mock', 'conversation.turns': 1,
    });
    assert.equal(provider.attributes['gen_ai.request.stream'], true);
    assert.equal(provider.attributes['provider.chunk_count'], 20);
    assert.equal(provider.attributes['provider.output_tokens'], 20);
    assert.equal(provider.attributes['gen_ai.usage.input_tokens'], 4); // "one" + "Echo: one" + "two"
    assert.equal(typeof provider.attributes['provider.ttfb_seconds'], 'number');
    assert.ok((provider.attributes['provider.ttfb_seconds'] as number) >= 0);
    assert.equal(create.attributes['conversation.id'], events.at(-1)!.response.id);
    assert.equal(create.attributes['conversation.message_count'], 4);
    // Ordered in time (span start times have millisecond precision): lookup, call, store, inside the server span.
    const ms = 1_000_000n;
    assert.ok(get.endNanos <= provider.startNanos + ms && provider.startNanos <= create.startNanos + ms);
    assert.ok(server.startNanos <= get.startNanos + ms && create.endNanos <= server.endNanos + ms);
    await gw.gateway.shutdown();
  });

  test('an upstream failure mid-stream: provider span ERROR with the exception; the server span too', async () => {
    const gw = traced();
    await (await gw.post('/v1/responses', { model: 'failing', input: 'x', stream: true }, { 'x-request-id': 'tr-fail' })).text();
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-fail', 3);
    const provider = byName(spans, 'provider.generate_stream');
    assert.equal(provider.status.code, 'ERROR');
    assert.match(provider.status.message, /fail after 3 chunks/);
    assert.equal(provider.events[0]!.name, 'exception');
    assert.equal(provider.attributes['error.type'], 'UpstreamError');
    assert.equal(provider.attributes['provider.chunk_count'], 3);
    const server = byName(spans, 'POST /v1/responses');
    assert.equal(server.status.code, 'ERROR');
    assert.equal(server.attributes['http.status_code'], 200);
    await gw.gateway.shutdown();
  });

  test('4xx leaves the server span unset; a 5xx marks it ERROR and records the exception', async () => {
    const gw = traced();
    await gw.post('/v1/responses', { model: 'nope', input: 'x' }, { 'x-request-id': 'tr-404' });
    gw.gateway.store.chain = () => Promise.reject(new TypeError('store exploded'));
    await gw.post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: 'resp_1' }, { 'x-request-id': 'tr-500' });
    await gw.gateway.forceFlush();
    const [notFound] = await traceOf('tr-404', 1);
    assert.equal(notFound!.status.code, 'UNSET');
    assert.equal(notFound!.attributes['http.status_code'], 404);
    const failed = await traceOf('tr-500', 1);
    const server = byName(failed, 'POST /v1/responses');
    assert.equal(server.status.code, 'ERROR');
    assert.equal(server.status.message, 'store exploded');
    assert.equal(server.events[0]!.name, 'exception');
    assert.equal(server.events[0]!.attributes['exception.type'], 'TypeError');
    await gw.gateway.shutdown();
  });

  test('a handler throwing a non-Error still ends its server span, as ERROR', async () => {
    const gw = traced({ type: 'always' }, {}, {}, { providers: new Map([['mock', new ThrowingProvider('mock', 'a bare string')]]) });
    await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { 'x-request-id': 'tr-bare' });
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-bare', 2);
    const server = byName(spans, 'POST /v1/responses');
    assert.equal(server.status.code, 'ERROR');
    assert.equal(server.attributes['http.status_code'], 500);
    assert.equal(byName(spans, 'provider.generate').status.code, 'ERROR');
    await gw.gateway.shutdown();
  });

  test('an unmatched route is named by its method only', async () => {
    const gw = traced();
    await gw.request('/nowhere/123', { headers: { 'x-request-id': 'tr-unmatched' } });
    await gw.gateway.forceFlush();
    const [span] = await traceOf('tr-unmatched', 1);
    assert.equal(span!.name, 'GET');
    assert.equal(span!.attributes['http.route'], undefined);
    await gw.gateway.shutdown();
  });
});

describe('W3C trace context', () => {
  test('an incoming traceparent is continued, and the provider gets a traceparent whose parent is the provider span', async () => {
    const recorder = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 }));
    const gw = traced({ type: 'always' }, {}, {}, { providers: new Map([['mock', recorder]]) });
    await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { 'x-request-id': 'tr-parent', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'vendor=abc' });
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-parent', 3);
    const server = byName(spans, 'POST /v1/responses');
    const provider = byName(spans, 'provider.generate');
    assert.equal(server.traceId, TRACE_ID);
    assert.equal(server.parentSpanId, PARENT_ID);
    const headers = recorder.calls[0]!.headers;
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${provider.spanId}-01`);
    assert.equal(headers.tracestate, 'vendor=abc');
    assert.equal(headers['x-request-id'], 'tr-parent');
    await gw.gateway.shutdown();
  });

  test('parent-based sampling: a sampled caller is followed under `never`, an unsampled one under `always`', async () => {
    const never = traced({ type: 'never' });
    await never.request('/health', { headers: { 'x-request-id': 'tr-follow', traceparent: `00-${TRACE_ID.replace('4bf9', 'aaaa')}-${PARENT_ID}-01` } });
    await never.gateway.forceFlush();
    assert.equal((await traceOf('tr-follow', 1))[0]!.traceId, TRACE_ID.replace('4bf9', 'aaaa'));
    const always = traced({ type: 'always' });
    const before = receiver.spans.length;
    await always.request('/health', { headers: { 'x-request-id': 'tr-unsampled', traceparent: `00-${TRACE_ID.replace('4bf9', 'bbbb')}-${PARENT_ID}-00` } });
    await always.gateway.forceFlush();
    await sleep(50);
    assert.equal(receiver.spans.slice(before).filter((s) => s.attributes['http.request_id'] === 'tr-unsampled').length, 0);
    await Promise.all([never.gateway.shutdown(), always.gateway.shutdown()]);
  });

  test('a malformed traceparent starts a new trace', async () => {
    const gw = traced();
    await gw.request('/health', { headers: { 'x-request-id': 'tr-bad-parent', traceparent: 'garbage' } });
    await gw.gateway.forceFlush();
    const [span] = await traceOf('tr-bad-parent', 1);
    assert.equal(span!.parentSpanId, '');
    assert.match(span!.traceId, /^[0-9a-f]{32}$/);
    await gw.gateway.shutdown();
  });
});

describe('sampling', () => {
  test('probability 0.1 over 2,000 requests stays within binomial bounds', async () => {
    const gw = traced({ type: 'probability', rate: 0.1 }, {}, { OTEL_BSP_MAX_QUEUE_SIZE: '4096' });
    for (let i = 0; i < 2000; i++) await gw.request('/health', { headers: { 'x-request-id': `tr-p-${i}` } });
    await gw.gateway.forceFlush();
    await sleep(100);
    const sampled = receiver.spans.filter((s) => String(s.attributes['http.request_id']).startsWith('tr-p-')).length;
    // mean 200, standard deviation 13.4: ±5 standard deviations
    assert.ok(sampled >= 133 && sampled <= 267, `${sampled} of 2000 sampled`);
    await gw.gateway.shutdown();
  });

  test('an unsampled request starts one span (the non-recording server span) and no child span', async () => {
    for (const [type, expected] of [['never', 1], ['always', 4]] as const) {
      const gw = traced({ type });
      const tracer = gw.gateway.tracing!.tracer;
      const started: boolean[] = [];
      const startSpan = tracer.startSpan.bind(tracer);
      tracer.startSpan = (...args) => {
        const span = startSpan(...args);
        started.push(span.isRecording());
        return span;
      };
      const first = await (await gw.post('/v1/responses', { model: 'mock', input: 'x' })).json();
      started.length = 0;
      await gw.post('/v1/responses', { model: 'mock', input: 'y', previous_response_id: first.id });
      assert.equal(started.length, expected, type);
      assert.ok(started.every((recording) => recording === (type === 'always')));
      await gw.gateway.shutdown();
    }
  });

  test('`never` exports nothing, yet logs carry trace ids and the upstream gets a traceparent', async () => {
    const recorder = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 }));
    const gw = traced({ type: 'never' }, {}, {}, { providers: new Map([['mock', recorder]]) });
    const before = receiver.requests.length;
    await gw.post('/v1/responses', { model: 'mock', input: 'x' });
    await gw.gateway.shutdown();
    assert.equal(receiver.requests.length, before, 'nothing was exported');
    const line = gw.logs.find((l) => l.msg === 'request completed')!;
    assert.match(line.trace_id, /^[0-9a-f]{32}$/);
    assert.match(line.span_id, /^[0-9a-f]{16}$/);
    // The unsampled server span is the upstream call's parent.
    assert.equal(recorder.calls[0]!.headers.traceparent, `00-${line.trace_id}-${line.span_id}-00`);
    assert.equal(recorder.calls[0]!.headers['x-request-id'], line.request_id);
  });

  test("a caller's unsampled decision and tracestate travel upstream, with no span recorded", async () => {
    const recorder = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 }));
    const gw = traced({ type: 'always' }, {}, {}, { providers: new Map([['mock', recorder]]) });
    const traceId = TRACE_ID.replace('4bf9', 'cccc');
    const before = receiver.spans.length;
    for (const stream of [false, true]) {
      const res = await gw.post('/v1/responses', { model: 'mock', input: 'x', stream }, { 'x-request-id': `tr-state-${stream}`, traceparent: `00-${traceId}-${PARENT_ID}-00`, tracestate: 'vendor=abc' });
      await res.text();
    }
    await gw.gateway.forceFlush();
    await sleep(50);
    assert.equal(receiver.spans.slice(before).filter((s) => String(s.attributes['http.request_id']).startsWith('tr-state-')).length, 0);
    assert.equal(recorder.calls.length, 2);
    for (const call of recorder.calls) {
      const line = gw.logs.find((l) => l.msg === 'request completed' && l.request_id === call.headers['x-request-id'])!;
      assert.equal(line.trace_id, traceId);
      assert.equal(call.headers.traceparent, `00-${traceId}-${line.span_id}-00`);
      assert.notEqual(line.span_id, PARENT_ID);
      assert.equal(call.headers.tracestate, 'vendor=abc');
    }
    await gw.gateway.shutdown();
  });
});

describe('logs', () => {
  test("log lines carry the exported server span's trace_id and span_id, with the seed's fields", async () => {
    const gw = traced();
    await (await gw.post('/v1/responses', { model: 'mock', input: 'x', stream: true }, { 'x-request-id': 'tr-logs' })).text();
    await gw.gateway.forceFlush();
    const server = byName(await traceOf('tr-logs', 3), 'POST /v1/responses');
    const generated = gw.logs.find((l) => l.msg === 'response generated')!;
    assert.deepEqual(Object.keys(generated), ['time', 'level', 'msg', 'request_id', 'trace_id', 'span_id', 'provider', 'model', 'input_tokens', 'output_tokens', 'status', 'duration_ms']);
    assert.deepEqual([generated.trace_id, generated.span_id, generated.request_id], [server.traceId, server.spanId, 'tr-logs']);
    const completed = gw.logs.find((l) => l.msg === 'request completed')!;
    assert.deepEqual([completed.trace_id, completed.span_id], [server.traceId, server.spanId]);
    await gw.gateway.shutdown();
  });

  test('tracing off: no trace fields, no traceparent upstream, no middleware work', async () => {
    const recorder = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 }));
    const gw = testGateway(MOCK_MODELS, { providers: new Map([['mock', recorder]]) });
    await gw.post('/v1/responses', { model: 'mock', input: 'x' });
    assert.equal(gw.gateway.tracing, undefined);
    assert.equal(gw.logs.find((l) => l.msg === 'request completed')!.trace_id, undefined);
    assert.deepEqual(Object.keys(recorder.calls[0]!.headers), ['x-request-id']);
  });

  test('secrets never reach spans or logs', async () => {
    const gw = traced({ type: 'always' }, {}, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-secret' });
    await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { authorization: 'Bearer client-secret', 'x-api-key': 'key-secret', 'x-request-id': 'tr-secret' });
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-secret', 3);
    const everything = JSON.stringify(spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) + JSON.stringify(gw.logs);
    for (const secret of ['client-secret', 'key-secret', 'otlp-secret']) assert.ok(!everything.includes(secret), secret);
    // The exporter's own header did reach the collector.
    assert.ok(receiver.requests.some((r) => r.headers.authorization === 'Bearer otlp-secret'));
    await gw.gateway.shutdown();
  });
});

describe('client disconnect', () => {
  test('every span ends; the disconnect is an event, not an error; the log line has the trace id', async () => {
    const gw = traced();
    const res = await gw.post('/v1/responses', { model: 'slow', input: 'x', stream: true }, { 'x-request-id': 'tr-gone' });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('output_text.delta')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await sleep(20);
    await gw.gateway.forceFlush();
    const spans = await traceOf('tr-gone', 2);
    const server = byName(spans, 'POST /v1/responses');
    const provider = byName(spans, 'provider.generate_stream');
    for (const span of [server, provider]) {
      assert.ok(span.events.some((e) => e.name === 'client.disconnect'), span.name);
      assert.equal(span.status.code, 'UNSET', span.name);
    }
    assert.ok(!spans.some((s) => s.name === 'conversation.create'), 'nothing stored');
    const line = gw.logs.find((l) => l.msg === 'request completed' && l.request_id === 'tr-gone')!;
    assert.equal(line.outcome, 'cancelled');
    assert.equal(line.trace_id, server.traceId);
    await gw.gateway.shutdown();
  });
});

describe('exporters and configuration', () => {
  test('stdout prints one JSON object per span', async () => {
    const lines: string[] = [];
    const gw = testGateway(
      { observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { type: 'stdout' } } } },
      { env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, runtime: RUNTIME, stdout: (line) => lines.push(line) },
    );
    await gw.post('/v1/responses', { model: 'mock', input: 'x' });
    await gw.gateway.shutdown();
    const spans = lines.map((l) => JSON.parse(l));
    assert.deepEqual(spans.map((s) => s.name).sort(), ['POST /v1/responses', 'conversation.create', 'provider.generate']);
    const server = spans.find((s) => s.kind === 'SERVER');
    assert.match(server.trace_id, /^[0-9a-f]{32}$/);
    assert.equal(spans.find((s) => s.name === 'provider.generate').parent_span_id, server.span_id);
    assert.equal(server.attributes['http.status_code'], 200);
    assert.equal(server.service_name, 'llm-gateway');
  });

  test('OTEL_* environment variables override the file: endpoint, headers, service name, resource attributes', async () => {
    const gw = testGateway(
      { observability: { tracing: { enabled: true, sampler: { type: 'always' }, service_name: 'from-file', exporter: { endpoint: 'localhost:1' } } } },
      {
        env: {
          OTEL_BSP_SCHEDULE_DELAY: '10',
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
          OTEL_SERVICE_NAME: 'from-env',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,service.name=ignored',
        },
        runtime: RUNTIME,
      },
    );
    await gw.request('/health', { headers: { 'x-request-id': 'tr-env' } });
    await gw.gateway.forceFlush();
    const [span] = await traceOf('tr-env', 1);
    assert.equal(span!.resource['service.name'], 'from-env');
    assert.equal(span!.resource['deployment.environment'], 'staging');
    assert.ok(receiver.requests.some((r) => r.headers['x-tenant'] === 'acme'));
    assert.match(gw.gateway.tracing!.description, /from OTEL_EXPORTER_OTLP_ENDPOINT/);
    await gw.gateway.shutdown();
  });

  test('the collector down: requests still succeed, one rate-limited warning, failed spans counted', async () => {
    const gw = testGateway(
      { observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { endpoint: 'http://127.0.0.1:9' } } } },
      { env: { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_BSP_EXPORT_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TIMEOUT: '300' }, runtime: RUNTIME },
    );
    for (let round = 0; round < 3; round++) {
      const res = await gw.post('/v1/responses', { model: 'mock', input: 'x' });
      assert.equal(res.status, 200);
      await gw.gateway.forceFlush().catch(() => {});
    }
    const warnings = gw.logs.filter((l) => l.msg === 'trace export failed');
    assert.equal(warnings.length, 1, 'logged once per interval');
    assert.equal(warnings[0]!.endpoint, 'http://127.0.0.1:9/v1/traces');
    const metrics = parseExposition(await (await gw.request('/metrics')).text());
    assert.equal(sample(metrics, 'otel_spans_dropped_total', { reason: 'export_failed' }), 9);
    await gw.gateway.shutdown();
  });

  test("the seed's endpoint localhost:4317 (OTLP/gRPC's port) gets a start-up warning", async () => {
    const gw = testGateway(
      { observability: { tracing: { enabled: true, exporter: { endpoint: 'localhost:4317', insecure: true } } } },
      { env: { OTEL_EXPORTER_OTLP_TIMEOUT: '200' }, runtime: RUNTIME },
    );
    const warning = gw.logs.find((l) => l.level === 'WARN' && /port 4317, the OTLP\/gRPC port/.test(l.msg))!;
    assert.equal(warning.endpoint, 'http://localhost:4317/v1/traces');
    await gw.gateway.shutdown();
  });

  test('a gRPC-only collector (HTTP/2 without HTTP/1.1): requests succeed, the failure is logged', async () => {
    const grpcOnly = createHttp2Server();
    await new Promise<void>((resolve) => grpcOnly.listen(0, '127.0.0.1', resolve));
    const { port } = grpcOnly.address() as { port: number };
    try {
      const gw = testGateway(
        { observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { endpoint: `127.0.0.1:${port}`, insecure: true } } } },
        { env: { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '500' }, runtime: RUNTIME },
      );
      assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x' })).status, 200);
      await gw.gateway.forceFlush().catch(() => {});
      const failure = gw.logs.find((l) => l.msg === 'trace export failed')!;
      assert.equal(failure.endpoint, `http://127.0.0.1:${port}/v1/traces`);
      assert.equal(typeof failure.error, 'string');
      await gw.gateway.shutdown();
    } finally {
      grpcOnly.close();
    }
  });

  test('a full batch queue drops spans and counts them: every span is either exported or counted', async () => {
    const gw = traced({ type: 'always' }, {}, { OTEL_BSP_MAX_QUEUE_SIZE: '4', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4', OTEL_BSP_SCHEDULE_DELAY: '60000' });
    // Ten spans in one burst: the queue holds four while a batch is being exported.
    await Promise.all(Array.from({ length: 10 }, (_, i) => gw.request('/health', { headers: { 'x-request-id': `tr-burst-${i}` } })));
    const metrics = parseExposition(await (await gw.request('/metrics')).text());
    const dropped = sample(metrics, 'otel_spans_dropped_total', { reason: 'queue_full' })!;
    await gw.gateway.shutdown();
    await sleep(50);
    const exported = receiver.spans.filter((s) => String(s.attributes['http.request_id']).startsWith('tr-burst-')).length;
    assert.ok(dropped >= 1, `dropped ${dropped}`);
    assert.equal(exported + dropped, 10);
  });

  test('shutdown flushes pending spans', async () => {
    const gw = traced({ type: 'always' }, {}, { OTEL_BSP_SCHEDULE_DELAY: '60000' });
    await gw.request('/health', { headers: { 'x-request-id': 'tr-flush' } });
    await sleep(30);
    assert.equal(receiver.spans.filter((s) => s.attributes['http.request_id'] === 'tr-flush').length, 0);
    await gw.gateway.shutdown();
    assert.equal((await traceOf('tr-flush', 1)).length, 1);
  });
});
