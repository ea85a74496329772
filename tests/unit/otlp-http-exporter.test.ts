import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OtlpHttpExporter, retryAfter } from '../../src/observability/tracing/otlp-http-exporter.ts';
import { ReportingExporter } from '../../src/observability/tracing/reporting-exporter.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { NodeTransport } from '../../src/adapters/node-transport.ts';

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


/** A collector on a real port, answering each POST with the next of `answers` (then 200), recording when each came. */
async function fakeCollector(answers: Array<(res: ServerResponse) => void>) {
  const arrivals: Array<{ at: number; spans: number }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const decoded = ExportTraceServiceRequest.decode(Buffer.concat(chunks));
      arrivals.push({ at: performance.now(), spans: decoded.resourceSpans[0].scopeSpans[0].spans.length });
      const answer = answers[arrivals.length - 1];
      if (answer) answer(res);
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, arrivals, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const status = (code: number, headers: Record<string, string> = {}) => (res: ServerResponse) => res.writeHead(code, headers).end(`status ${code}`);

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

  test('retries a 503 with backoff and succeeds on the next answer (a real collector on a port)', async () => {
    const collector = await fakeCollector([status(503), status(502)]);
    try {
      const exporter = new OtlpHttpExporter({ url: collector.url, headers: {}, timeoutMillis: 5000, initialBackoffMillis: 40, random: () => 0.5 });
      const started = performance.now();
      const result = await exportOnce(exporter, spans(4));
      assert.equal(result.code, ExportResultCode.SUCCESS);
      assert.equal(collector.arrivals.length, 3);
      assert.deepEqual(collector.arrivals.map((a) => a.spans), [4, 4, 4]);
      // 40 ms, then 1.5 × 40 ms (jitter at its middle).
      assert.ok(collector.arrivals[1]!.at - started >= 38, `first retry after ${collector.arrivals[1]!.at - started} ms`);
      assert.ok(collector.arrivals[2]!.at - collector.arrivals[1]!.at >= 58, `second retry after ${collector.arrivals[2]!.at - collector.arrivals[1]!.at} ms`);
      await exporter.shutdown();
    } finally {
      await collector.close();
    }
  });

  test("a 429 with Retry-After waits what the collector asks", async () => {
    const collector = await fakeCollector([status(429, { 'retry-after': '1' })]);
    try {
      const exporter = new OtlpHttpExporter({ url: collector.url, headers: {}, timeoutMillis: 5000, initialBackoffMillis: 10 });
      const result = await exportOnce(exporter, spans(1));
      assert.equal(result.code, ExportResultCode.SUCCESS);
      assert.equal(collector.arrivals.length, 2);
      const waited = collector.arrivals[1]!.at - collector.arrivals[0]!.at;
      assert.ok(waited >= 990 && waited < 2000, `waited ${waited} ms`);
    } finally {
      await collector.close();
    }
  });

  test('a Retry-After beyond the export timeout is not waited for: the export fails at once with the answer', async () => {
    const collector = await fakeCollector([status(503, { 'retry-after': '30' })]);
    try {
      const exporter = new OtlpHttpExporter({ url: collector.url, headers: {}, timeoutMillis: 2000 });
      const started = performance.now();
      const result = await exportOnce(exporter, spans(1));
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal(result.error?.message, 'the collector answered HTTP 503: status 503');
      assert.equal(collector.arrivals.length, 1);
      assert.ok(performance.now() - started < 1000);
    } finally {
      await collector.close();
    }
  });

  test('answers the specification does not call retryable (400, 401, 500) fail after one attempt', async () => {
    for (const code of [400, 401, 500]) {
      const collector = await fakeCollector([status(code)]);
      try {
        const exporter = new OtlpHttpExporter({ url: collector.url, headers: {}, timeoutMillis: 5000, initialBackoffMillis: 1 });
        const result = await exportOnce(exporter, spans(1));
        assert.equal(result.code, ExportResultCode.FAILED, `HTTP ${code}`);
        assert.equal(collector.arrivals.length, 1, `HTTP ${code}`);
      } finally {
        await collector.close();
      }
    }
  });

  test('retries stop at the attempt limit, and all of them fit in the export timeout', async () => {
    const always503 = Array.from({ length: 10 }, () => status(503));
    const limited = await fakeCollector(always503);
    try {
      const exporter = new OtlpHttpExporter({ url: limited.url, headers: {}, timeoutMillis: 5000, initialBackoffMillis: 5, maxAttempts: 3 });
      const result = await exportOnce(exporter, spans(1));
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal(limited.arrivals.length, 3);
    } finally {
      await limited.close();
    }
    const timed = await fakeCollector(always503);
    try {
      // Waits of 100, 150, 225 ms: the third would end after 400 ms, so there are three attempts.
      const exporter = new OtlpHttpExporter({ url: timed.url, headers: {}, timeoutMillis: 400, initialBackoffMillis: 100, random: () => 0.5 });
      const started = performance.now();
      const result = await exportOnce(exporter, spans(1));
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.equal(timed.arrivals.length, 3);
      assert.ok(performance.now() - started < 400);
    } finally {
      await timed.close();
    }
  });

  test('a refused connection is retried; shutdown cuts the wait short and fails the export', async () => {
    const collector = await fakeCollector([]);
    const url = collector.url;
    await collector.close();
    let attempts = 0;
    const exporter = new OtlpHttpExporter({
      url,
      headers: {},
      timeoutMillis: 10_000,
      initialBackoffMillis: 5000,
      fetch: (u, init) => {
        attempts++;
        return globalThis.fetch(u, init);
      },
    });
    const results: ExportResult[] = [];
    exporter.export(spans(1), (r) => results.push(r));
    while (attempts < 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await exporter.shutdown();
    assert.ok(performance.now() - started < 1000, 'shutdown did not wait for the backoff');
    assert.equal(attempts, 1);
    assert.equal(results[0]!.code, ExportResultCode.FAILED);
    assert.match(results[0]!.error!.message, /fetch failed|refused|connect/i);
  });

  test("over the Node adapter's transport: spans reach a real collector, and a 503 with Retry-After is retried", async () => {
    const collector = await fakeCollector([status(503, { 'retry-after': '0' })]);
    const transport = new NodeTransport();
    try {
      const exporter = new OtlpHttpExporter({ url: collector.url, headers: { authorization: 'Bearer t0ken' }, timeoutMillis: 5000, fetch: transport.fetch });
      const result = await exportOnce(exporter, spans(4));
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assert.deepEqual(collector.arrivals.map((a) => a.spans), [4, 4]);
      const failed = await exportOnce(new OtlpHttpExporter({ url: collector.url.replace(/\d+\/v1/, '9/v1'), headers: {}, timeoutMillis: 200, initialBackoffMillis: 50, fetch: transport.fetch }), spans(1));
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.match(failed.error!.message, /fetch failed \(connect ECONNREFUSED/);
    } finally {
      await transport.shutdown();
      await collector.close();
    }
  });

  test("a collector's answer is read within a bound: an endless error body fails the export instead of holding it", async () => {
    let pulled = 0;
    const endless = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 16 * 1024;
            controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
          },
        }),
        { status: 400 },
      );
    const exporter = new OtlpHttpExporter({ url: 'http://c.test/v1/traces', headers: {}, timeoutMillis: 60_000, fetch: async () => endless() });
    const result = await exportOnce(exporter, spans(1));
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal(result.error?.message, 'the collector answered HTTP 400');
    assert.ok(pulled <= 128 * 1024, `read ${pulled} bytes of the answer`);
  });

  test('Retry-After: seconds or an HTTP date; anything else is ignored', () => {
    assert.equal(retryAfter('3'), 3000);
    assert.equal(retryAfter(' 0 '), 0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now), 2000);
    assert.equal(retryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
    assert.equal(retryAfter('soon'), undefined);
    assert.equal(retryAfter('-1'), undefined);
    assert.equal(retryAfter(null), undefined);
  });
});
