import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer as CurrentSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/observability/tracing/otlp-encoder.ts';
import { SPAN_LIMITS } from '../../src/observability/tracing/create-tracing.ts';

// The official definitions and serializer (OpenTelemetry JS's otlp-transformer 0.216, a dev dependency, which
// decodes with the generated proto code), and the current serializer (0.223) for byte equality.
const require = createRequire(import.meta.url);
const root = require('otlp-proto-defs/build/src/generated/root.js');
const { ProtobufTraceSerializer } = require('otlp-proto-defs') as { ProtobufTraceSerializer: { serializeRequest(spans: ReadableSpan[]): Uint8Array } };
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const decode = (bytes: Uint8Array) => ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true, oneofs: true });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

/** Spans recorded by a real SDK tracer, with the gateway's limits. */
function record(make: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void, resource = resourceFromAttributes({ 'service.name': 'llm-gateway', 'service.version': '1.2.3', 'process.runtime.name': 'nodejs' })): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)], spanLimits: SPAN_LIMITS });
  make(provider.getTracer('llm-gateway', '0.1.0'));
  return exporter.getFinishedSpans();
}

const EVERY_VALUE: Attributes = {
  string: 'gpt-4o-mini',
  empty: '',
  unicode: 'naïve – 模型 🚀',
  long: 'é'.repeat(600),
  int: 42,
  zero: 0,
  negative: -7,
  large: 2 ** 40 + 3,
  min: -(2 ** 53) + 1,
  double: 0.125,
  negativeDouble: -1.5e-7,
  true: true,
  false: false,
  strings: ['stop', 'length', ''],
  ints: [1, -2, 3_000_000_000],
  doubles: [0.5, 2.25],
  bools: [true, false],
  withHoles: ['a', null, undefined, 'b'] as unknown as string[],
};

function everyField(): ReadableSpan[] {
  return record((tracer) => {
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=a,other=b') });
    const server = tracer.startSpan('POST /v1/responses', { kind: SpanKind.SERVER, attributes: EVERY_VALUE }, remote);
    const context = trace.setSpan(ROOT_CONTEXT, server);
    for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
      const child = tracer.startSpan(`child ${kind}`, { kind, links: [{ context: server.spanContext(), attributes: { 'link.n': kind, 'link.s': 'x' } }] }, context);
      child.addEvent('first', { 'event.int': 1, 'event.strings': ['a', 'b'] });
      child.addEvent('second');
      child.setStatus(kind === SpanKind.CLIENT ? { code: SpanStatusCode.ERROR, message: 'upstream 502 – bad gateway' } : { code: SpanStatusCode.OK });
      child.end();
    }
    // Over every limit: dropped attributes, events and links are counted.
    const crowded = tracer.startSpan('crowded', { links: Array.from({ length: 10 }, () => ({ context: server.spanContext() })) }, context);
    for (let i = 0; i < 70; i++) crowded.setAttribute(`a${i}`, i);
    for (let i = 0; i < 40; i++) crowded.addEvent(`e${i}`, Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`k${j}`, j])));
    crowded.recordException(new Error('boom'));
    crowded.end();
    server.end();
  });
}

describe('OTLP/protobuf encoding', () => {
  test('decodes, with the official definitions, to what the official serializer produces, for every field we emit', () => {
    const spans = everyField();
    assert.equal(spans.length, 6);
    assert.deepEqual(decode(encodeTraceRequest(spans)), decode(ProtobufTraceSerializer.serializeRequest(spans)));
  });

  test("is byte for byte what OpenTelemetry JS's current serializer writes", () => {
    const spans = everyField();
    const ours = encodeTraceRequest(spans);
    assert.ok(Buffer.from(ours).equals(Buffer.from(CurrentSerializer.serializeRequest(spans)!)));
  });

  test('each field has the value of the span it came from', () => {
    const spans = everyField();
    const request = ExportTraceServiceRequest.decode(encodeTraceRequest(spans));
    assert.equal(request.resourceSpans.length, 1);
    const [resourceSpans] = request.resourceSpans;
    const resource = Object.fromEntries(resourceSpans.resource.attributes.map((kv: any) => [kv.key, kv.value.stringValue]));
    assert.deepEqual(resource, { 'service.name': 'llm-gateway', 'service.version': '1.2.3', 'process.runtime.name': 'nodejs' });
    assert.equal(resourceSpans.scopeSpans.length, 1);
    const [scopeSpans] = resourceSpans.scopeSpans;
    assert.deepEqual({ name: scopeSpans.scope.name, version: scopeSpans.scope.version }, { name: 'llm-gateway', version: '0.1.0' });
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const byName = new Map(scopeSpans.spans.map((s: any) => [s.name, s]));
    const server: any = byName.get('POST /v1/responses');
    assert.equal(hex(server.traceId), TRACE_ID);
    assert.equal(hex(server.parentSpanId), PARENT_ID);
    assert.equal(server.traceState, 'vendor=a,other=b');
    assert.equal(server.kind, 2);
    // Sampled, and the parent is remote (with the bit saying that this is known).
    assert.equal(server.flags, 0x301);
    const source = spans.find((s) => s.name === 'POST /v1/responses')!;
    const nanos = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    assert.equal(BigInt(String(server.startTimeUnixNano)), nanos(source.startTime));
    assert.equal(BigInt(String(server.endTimeUnixNano)), nanos(source.endTime));
    const values = Object.fromEntries(server.attributes.map((kv: any) => [kv.key, kv.value]));
    assert.equal(values.string.stringValue, 'gpt-4o-mini');
    assert.equal(values.unicode.stringValue, 'naïve – 模型 🚀');
    assert.equal(values.long.stringValue, 'é'.repeat(600), 'a value over 128 bytes');
    assert.equal(String(values.large.intValue), String(2 ** 40 + 3));
    assert.equal(String(values.negative.intValue), '-7');
    assert.equal(String(values.min.intValue), String(-(2 ** 53) + 1));
    assert.equal(values.double.doubleValue, 0.125);
    assert.equal(values.negativeDouble.doubleValue, -1.5e-7);
    assert.equal(values.true.boolValue, true);
    assert.equal(values.false.value, 'boolValue');
    assert.deepEqual(values.strings.arrayValue.values.map((v: any) => v.stringValue), ['stop', 'length', '']);
    assert.deepEqual(values.ints.arrayValue.values.map((v: any) => String(v.intValue)), ['1', '-2', '3000000000']);
    assert.equal(values.withHoles.arrayValue.values.length, 4);
    const client: any = byName.get(`child ${SpanKind.CLIENT}`);
    assert.equal(client.kind, 3);
    assert.equal(hex(client.parentSpanId), source.spanContext().spanId);
    assert.equal(client.flags, 0x101, 'sampled, local parent');
    assert.deepEqual({ code: client.status.code, message: client.status.message }, { code: 2, message: 'upstream 502 – bad gateway' });
    assert.deepEqual(client.events.map((e: any) => e.name), ['first', 'second']);
    assert.equal(client.events[0].attributes.length, 2);
    assert.equal(client.links.length, 1);
    assert.equal(hex(client.links[0].spanId), source.spanContext().spanId);
    assert.equal(client.links[0].traceState, 'vendor=a,other=b');
    assert.equal(client.links[0].attributes.length, 2);
    const crowded: any = byName.get('crowded');
    assert.equal(crowded.attributes.length, SPAN_LIMITS.attributeCountLimit);
    assert.equal(crowded.droppedAttributesCount, 70 - SPAN_LIMITS.attributeCountLimit);
    assert.equal(crowded.events.length, SPAN_LIMITS.eventCountLimit);
    assert.equal(crowded.droppedEventsCount, 41 - SPAN_LIMITS.eventCountLimit);
    assert.equal(crowded.events[0].droppedAttributesCount, 20 - SPAN_LIMITS.attributePerEventCountLimit);
    assert.equal(crowded.links.length, SPAN_LIMITS.linkCountLimit);
    assert.equal(crowded.droppedLinksCount, 10 - SPAN_LIMITS.linkCountLimit);
  });

  test('spans of two resources and two scopes are grouped by each', () => {
    const a = record((tracer) => tracer.startSpan('a').end());
    const b = record((tracer) => tracer.startSpan('b').end(), resourceFromAttributes({ 'service.name': 'other' }));
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.getTracer('scope-one').startSpan('c').end();
    provider.getTracer('scope-two', '2.0').startSpan('d').end();
    provider.getTracer('scope-one').startSpan('e').end();
    const spans = [...a, ...b, ...exporter.getFinishedSpans()];
    const bytes = encodeTraceRequest(spans);
    assert.deepEqual(decode(bytes), decode(ProtobufTraceSerializer.serializeRequest(spans)));
    assert.ok(Buffer.from(bytes).equals(Buffer.from(CurrentSerializer.serializeRequest(spans)!)));
    const request = decode(bytes);
    assert.equal(request.resourceSpans.length, 3);
    assert.deepEqual(request.resourceSpans[2].scopeSpans.map((s: any) => [s.scope.name, s.spans.map((x: any) => x.name)]), [['scope-one', ['c', 'e']], ['scope-two', ['d']]]);
  });

  test('a batch far larger than the first buffer, and one after it, encode whole', () => {
    const spans = record((tracer) => {
      for (let i = 0; i < 600; i++) tracer.startSpan(`span ${i}`, { attributes: { 'x.value': 'v'.repeat(1024), i } }).end();
    });
    const big = encodeTraceRequest(spans);
    assert.ok(big.length > 600 * 1024);
    assert.deepEqual(decode(big), decode(ProtobufTraceSerializer.serializeRequest(spans)));
    assert.ok(Buffer.from(big).equals(Buffer.from(CurrentSerializer.serializeRequest(spans)!)));
    const small = spans.slice(0, 1);
    assert.deepEqual(decode(encodeTraceRequest(small)), decode(ProtobufTraceSerializer.serializeRequest(small)));
    assert.deepEqual(decode(encodeTraceRequest([])), { resourceSpans: [] });
  });
});
