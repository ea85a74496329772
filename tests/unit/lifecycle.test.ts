import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { RecordingProvider } from '../fakes/recording-provider.ts';
import { ThrowingProvider } from '../fakes/throwing-provider.ts';
import { UnreachableStore } from '../fakes/unreachable-store.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { parseResponseEvents } from '../helpers/sse.ts';

const SLOW = { providers: { slow: { type: 'mock', chunks: 40, chunk_delay_ms: 50 } }, models: [{ name: 'slow', provider: 'slow' }] };

function slowRecorder() {
  return new RecordingProvider(new MockProvider('slow', { type: 'mock', ttfb_ms: 0, chunks: 40, chunk_delay_ms: 50 }));
}

describe('cancellation', () => {
  test('a client that stops reading a stream cancels the provider stream and aborts its signal', async () => {
    const provider = slowRecorder();
    const { post, logs, gateway } = testGateway(SLOW, { providers: new Map([['slow', provider]]) });
    const res = await post('/v1/responses', { model: 'slow', input: 'x', stream: true });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('response.output_text.delta')) text += new TextDecoder().decode((await reader.read()).value);
    const cancelledAt = performance.now();
    await reader.cancel();
    await sleep(100);
    assert.ok(provider.streamCancelledAt !== undefined, 'provider stream was not cancelled');
    assert.ok(provider.abortedAt !== undefined, 'provider signal was not aborted');
    assert.ok(provider.streamCancelledAt - cancelledAt < 1000);
    const line = logs.find((l) => l.msg === 'request completed')!;
    assert.equal(line.outcome, 'cancelled');
    assert.equal(gateway.store.activeCount(), 0, 'a cancelled response is not stored');
    assert.ok(!logs.some((l) => l.msg === 'response generated'));
  });

  test('a client that leaves during a non-streamed call aborts the provider call', async () => {
    const provider = new RecordingProvider(new MockProvider('slow', { type: 'mock', ttfb_ms: 5_000, chunk_delay_ms: 0 }));
    const { gateway, logs } = testGateway(SLOW, { providers: new Map([['slow', provider]]) });
    const client = new AbortController();
    const pending = gateway.fetch(
      new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', input: 'x' }), signal: client.signal }),
    );
    await sleep(50);
    client.abort();
    const res = await pending;
    assert.ok(provider.abortedAt !== undefined, 'provider signal was not aborted');
    assert.equal(res.status, 499);
    assert.equal(logs.find((l) => l.msg === 'request completed')!.outcome, 'cancelled');
  });
});

describe('a client abort whatever its reason', () => {
  test('a request signal aborted with a string (as @hono/node-server does) still ends the request: 499, logged, nothing left in flight', async () => {
    const provider = new RecordingProvider(new MockProvider('slow', { type: 'mock', ttfb_ms: 5_000, chunk_delay_ms: 0 }));
    const { gateway, logs } = testGateway(SLOW, { providers: new Map([['slow', provider]]) });
    const client = new AbortController();
    const pending = gateway.fetch(
      new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', input: 'x' }), signal: client.signal }),
    );
    await sleep(30);
    client.abort('Client connection prematurely closed.');
    const res = await pending;
    assert.equal(res.status, 499);
    assert.equal(logs.find((l) => l.msg === 'request completed')!.outcome, 'cancelled');
    assert.equal(await gateway.drain(100), true, 'the request is not left in flight');
    assert.ok(!logs.some((l) => l.level === 'ERROR'));
  });
});

describe('a handler that throws something other than an Error', () => {
  test('is answered 500 in the OpenAI shape, logged, and ends the request', async () => {
    const { post, gateway, logs } = testGateway(SLOW, { providers: new Map([['slow', new ThrowingProvider('slow', 'a bare string')]]) });
    const res = await post('/v1/responses', { model: 'slow', input: 'x' });
    assert.equal(res.status, 500);
    assert.deepEqual((await res.json()).error, { message: 'The gateway failed to process the request.', type: 'server_error', param: null, code: null });
    assert.equal(logs.find((l) => l.msg === 'request completed')!.status, 500);
    assert.ok(logs.some((l) => l.msg === 'request failed' && l.level === 'ERROR'));
    assert.equal(await gateway.drain(100), true);
  });
});

describe('what a provider is told about the call', () => {
  test('the request id, as the x-request-id header for upstream requests', async () => {
    const provider = slowRecorder();
    const { post } = testGateway(SLOW, { providers: new Map([['slow', provider]]) });
    await (await post('/v1/responses', { model: 'slow', input: 'x', max_output_tokens: 1 }, { 'x-request-id': 'req-42' })).text();
    assert.deepEqual(provider.calls[0]!.headers, { 'x-request-id': 'req-42' });
  });
});

describe('health and readiness', () => {
  test('/health is always ok; /ready checks the store and models', async () => {
    const { request } = testGateway();
    const health = await request('/health');
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await request('/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { store: 'ok', models: 'ok' } });
  });

  test('/ready is 503 naming the store when it is unreachable', async () => {
    const { request } = testGateway({}, { store: new UnreachableStore() });
    const res = await request('/ready');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'not_ready', checks: { store: 'fake unreachable: connect ECONNREFUSED 127.0.0.1:1', models: 'ok' } });
    assert.equal((await request('/health')).status, 200);
  });

  test('/ready is 503 when no model is configured', async () => {
    const { request } = testGateway({ providers: { m: { type: 'mock' } } });
    const res = await request('/ready');
    assert.equal(res.status, 503);
    assert.deepEqual((await res.json()).checks, { store: 'ok', models: 'no model is configured' });
  });
});

describe('graceful shutdown', () => {
  test('drain waits for an in-flight stream to finish; /ready turns 503 meanwhile', async () => {
    const { post, request, gateway } = testGateway({ providers: { slow: { type: 'mock', chunks: 6, chunk_delay_ms: 30 } }, models: [{ name: 'slow', provider: 'slow' }] });
    const res = await post('/v1/responses', { model: 'slow', input: 'x', stream: true });
    const body = res.text();
    const drained = gateway.drain(5_000);
    assert.equal((await request('/ready')).status, 503);
    let finished = false;
    void body.then(() => (finished = true));
    assert.equal(await drained, true);
    await sleep(0);
    assert.ok(finished, 'drain resolved before the stream finished');
    assert.equal(parseResponseEvents(await body).at(-1)!.type, 'response.completed');
  });

  test('drain gives up after its timeout and says so', async () => {
    const { post, gateway } = testGateway(SLOW);
    const res = await post('/v1/responses', { model: 'slow', input: 'x', stream: true });
    assert.equal(await gateway.drain(50), false);
    await res.body!.cancel();
    assert.equal(await gateway.drain(1_000), true);
  });

  test('shutdown is safe to call twice', async () => {
    const { gateway } = testGateway();
    await Promise.all([gateway.shutdown(), gateway.shutdown()]);
    await gateway.shutdown();
  });
});
