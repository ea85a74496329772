import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OtlpHttpExporter } from '../../src/observability/tracing/otlp-http-exporter.ts';
import { ReportingExporter } from '../../src/observability/tracing/reporting-exporter.ts';
import { createLogger } from '../../src/observability/logger.ts';

const root = createRequire(import.meta.url)('otlp-proto-defs/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function spans(n: number): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`).end();
  return exporter.getFinishedSpans();
}

const exportOnce = (exporter: { export(s: ReadableSpan[], done: (r: ExportResult) => void): void }, list: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(list, resolve));

describe('OTLP/HTTP exporter', () => {
  test('POSTs the encoded spans as application/x-protobuf with the configured headers', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const exporter = new OtlpHttpExporter({
      url: 'http://collector.test/v1/traces',
      headers: { authorization: 'Bearer t0ken', 'content-type': 'text/plain' },
      timeoutMillis: 1000,
      fetch: async (url, init) => {
        seen.push({ url: String(url), init: init! });
        return new Response(new Uint8Array(0), { status: 200 });
      },
    });
    const result = await exportOnce(exporter, spans(3));
    assert.equal(result.code, ExportResultCode.SUCCESS);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, 'http://collector.test/v1/traces');
    assert.equal(seen[0]!.init.method, 'POST');
    assert.deepEqual(seen[0]!.init.headers, { authorization: 'Bearer t0ken', 'content-type': 'application/x-protobuf' });
    const decoded = ExportTraceServiceRequest.decode(seen[0]!.init.body as Uint8Array);
    assert.deepEqual(decoded.resourceSpans[0].scopeSpans[0].spans.map((s: any) => s.name), ['s0', 's1', 's2']);
  });

  test('a non-2xx answer fails the export with its status and text; a network error and the timeout say what happened', async () => {
    const answering = (response: () => Promise<Response>) => new OtlpHttpExporter({ url: 'http://c.test/v1/traces', headers: {}, timeoutMillis: 50, fetch: response });
    const rejected = await exportOnce(answering(async () => new Response('quota exceeded', { status: 429 })), spans(1));
    assert.equal(rejected.code, ExportResultCode.FAILED);
    assert.equal(rejected.error?.message, 'the collector answered HTTP 429: quota exceeded');
    const binary = await exportOnce(answering(async () => new Response(new Uint8Array([0, 1, 2]), { status: 400 })), spans(1));
    assert.equal(binary.error?.message, 'the collector answered HTTP 400');
    const refused = await exportOnce(answering(async () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }))), spans(1));
    assert.equal(refused.error?.message, 'fetch failed (connect ECONNREFUSED 127.0.0.1:9)');
    const hanging = new OtlpHttpExporter({
      url: 'http://c.test/v1/traces',
      headers: {},
      timeoutMillis: 30,
      fetch: (_url, init) => new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason))),
    });
    // AbortSignal.timeout's timer does not keep the process alive; this one does, for the test.
    const keepAlive = setTimeout(() => {}, 5000);
    const timedOut = await exportOnce(hanging, spans(1));
    clearTimeout(keepAlive);
    assert.equal(timedOut.error?.message, 'no answer within 30 ms');
  });

  test("a collector echoing the authorization header: the failure log redacts it", async () => {
    const lines: Array<Record<string, any>> = [];
    const logger = createLogger({ level: 'debug', format: 'json', sink: (line) => lines.push(JSON.parse(line)) });
    const exporter = new ReportingExporter(
      new OtlpHttpExporter({ url: 'http://c.test/v1/traces', headers: { authorization: 'Bearer sk-live-secret-0123456789' }, timeoutMillis: 100, fetch: async (_u, init) => new Response(`bad token ${(init!.headers as Record<string, string>).authorization}`, { status: 401 }) }),
      { logger, endpoint: 'http://c.test/v1/traces', intervalMs: 0, secrets: ['Bearer sk-live-secret-0123456789'] },
    );
    const result = await exportOnce(exporter, spans(2));
    assert.equal(result.code, ExportResultCode.FAILED);
    const line = lines.find((l) => l.msg === 'trace export failed')!;
    assert.equal(line.spans_dropped, 2);
    assert.match(line.error, /HTTP 401/);
    assert.doesNotMatch(JSON.stringify(lines), /sk-live-secret/);
  });

  test('forceFlush and shutdown wait for exports under way; after shutdown an export fails at once', async () => {
    let release!: () => void;
    const exporter = new OtlpHttpExporter({
      url: 'http://c.test/v1/traces',
      headers: {},
      timeoutMillis: 5000,
      fetch: () => new Promise((resolve) => (release = () => resolve(new Response(null, { status: 200 })))),
    });
    const results: ExportResult[] = [];
    exporter.export(spans(1), (r) => results.push(r));
    let flushed = false;
    const flush = exporter.forceFlush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(flushed, false);
    release();
    await flush;
    assert.equal(results[0]!.code, ExportResultCode.SUCCESS);
    await exporter.shutdown();
    await exporter.shutdown();
    const late = await exportOnce(exporter, spans(1));
    assert.equal(late.code, ExportResultCode.FAILED);
  });
});
