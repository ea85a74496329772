import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NodeTransport } from '../../src/adapters/node-transport.ts';
import { defineConfig } from '../../src/config/parse-config.ts';
import { createGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { FakeUpstream } from '../fakes/fake-upstream.ts';

/**
 * On Node 20 an AbortController with its signal costs several microseconds,
 * a few per cent of a proxied request: a model call over the Node transport
 * makes none (the request's cancellation, the upstream exchange's, the
 * provider call's signal are all made only for code that reads them).
 */
const fake = new FakeUpstream();
const transport = new NodeTransport();
before(() => fake.start());
after(async () => {
  await transport.shutdown();
  await fake.stop();
});

let made = 0;
const Original = globalThis.AbortController;
class Counting extends Original {
  constructor() {
    super();
    made++;
  }
}

class CountingStream<T> extends ReadableStream<T> {
  constructor(...args: ConstructorParameters<typeof ReadableStream<T>>) {
    super(...args);
    streams++;
  }
}
let streams = 0;
const OriginalStream = globalThis.ReadableStream;

describe('abort signals and web streams of a model call on Node', () => {
  for (const [name, observability] of [
    ['off', { enabled: false }],
    ['metrics and every request traced', { metrics: { enabled: true, default_metrics: false }, tracing: { enabled: true, sampler: { type: 'always' }, exporter: { type: 'stdout' } } }],
  ] as const) {
    test(`${name}: a stream makes one ReadableStream (its body); observability off, no call makes an AbortController; a client leaving still aborts the upstream`, async () => {
      fake.script('counted', { kind: 'text', chunks: ['one', ' two'] });
      const gateway = createGateway(
        defineConfig({
          providers: {
            chat: { type: 'openai', api: 'chat_completions', base_url: `${fake.baseUrl}/v1`, api_key: 'k' },
            responses: { type: 'openai', base_url: `${fake.baseUrl}/v1`, api_key: 'k' },
          },
          models: [
            { name: 'chat', provider: 'chat', provider_model_id: 'counted' },
            { name: 'responses', provider: 'responses', provider_model_id: 'counted' },
          ],
          observability,
        }),
        { logger: silentLogger, stdout: () => {}, fetch: transport.fetch, runtime: { name: 'nodejs', version: process.versions.node }, env: {} },
      );
      const cases = [
        ['/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'x' }] }],
        ['/v1/responses', { model: 'responses', input: 'x', store: false }],
      ] as const;
      try {
        for (const [path, body] of cases) {
          // A stream makes one ReadableStream, the response's body; the stages between the upstream
          // socket and it hand each other pull sources (each ReadableStream costs Node 20 about 11 µs).
          const request = new Request(`http://gateway${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }) });
          globalThis.ReadableStream = CountingStream as typeof ReadableStream;
          streams = 0;
          try {
            const res = await gateway.fetch(request);
            assert.match(await res.text(), /two/);
          } finally {
            globalThis.ReadableStream = OriginalStream;
          }
          assert.equal(streams, 1, `${path}: ${streams} ReadableStreams`);
        }
        for (const [path, body] of cases) {
          for (const stream of [false, true]) {
            const request = new Request(`http://gateway${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream }) });
            globalThis.AbortController = Counting;
            made = 0;
            let text: string;
            try {
              const res = await gateway.fetch(request);
              assert.equal(res.status, 200, `${path} stream: ${stream}`);
              text = await res.text();
            } finally {
              globalThis.AbortController = Original;
            }
            assert.match(text, /two/);
            if (name === 'off') assert.equal(made, 0, `${path} stream: ${stream}: ${made} AbortControllers`);
          }
        }
        // The cancellation still reaches the upstream: the client leaves while the upstream waits.
        fake.script('slow', { kind: 'text', chunks: ['late'], ttfbMs: 5_000 });
        const client = new AbortController();
        const request = new Request('http://gateway/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat/slow', messages: [{ role: 'user', content: 'x' }] }), signal: client.signal });
        const pending = gateway.fetch(request);
        await fake.waitFor((r) => r.model === 'slow');
        client.abort();
        await pending.catch(() => undefined);
        const upstream = await fake.waitFor((r) => r.model === 'slow' && r.closedEarly, 2_000);
        assert.ok(upstream.closedEarly);
      } finally {
        await gateway.shutdown();
      }
    });
  }
});
