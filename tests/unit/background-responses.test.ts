import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { RecordingCallHook } from '../fakes/recording-call-hook.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';
import { sdkClient } from '../helpers/openai-client.ts';

/** Polls until the response has left queued/in_progress (generous: the slow mock takes about 2 s). */
async function settled(client: OpenAI, id: string, timeoutMs = 10_000): Promise<OpenAI.Responses.Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.responses.retrieve(id);
    if (response.status !== 'queued' && response.status !== 'in_progress') return response;
    if (Date.now() > deadline) throw new Error(`response ${id} still ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('background responses', () => {
  test('return at once as queued, run without the client, and retrieve shows the final object', async () => {
    const hook = new RecordingCallHook();
    const { gateway, logs } = testGateway(MOCK_MODELS, { callHooks: [hook] });
    const client = sdkClient(gateway);
    const created = await client.responses.create({ model: 'mock', input: 'Hello there', background: true });
    assert.equal(created.status, 'queued');
    assert.equal(created.background, true);
    assert.deepEqual(created.output, []);
    const done = await settled(client, created.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.background, true);
    assert.equal(done.output_text, 'Echo: Hello there');
    assert.equal(done.usage?.total_tokens, 5);
    // The after hooks ran once, with the final usage; the run was logged like any call.
    assert.equal(hook.afters.length, 1);
    assert.equal(hook.afters[0]!.status, 'completed');
    assert.equal(hook.afters[0]!.output, 3);
    assert.ok(logs.some((l) => l.msg === 'response generated' && l.status === 'completed' && l.output_tokens === 3));
    // Stored: continued like any response.
    const next = await client.responses.create({ model: 'mock', input: 'again', previous_response_id: created.id });
    assert.equal(next.status, 'completed');
    await gateway.shutdown();
  });

  test('shows in_progress while it runs, and cancel ends it as cancelled (the upstream call ends too)', async () => {
    const hook = new RecordingCallHook();
    const { gateway } = testGateway(MOCK_MODELS, { callHooks: [hook] });
    const client = sdkClient(gateway);
    const created = await client.responses.create({ model: 'slow', input: 'take your time', background: true });
    let seen = created.status as string;
    for (let i = 0; i < 200 && seen !== 'in_progress'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = (await client.responses.retrieve(created.id)).status!;
    }
    assert.equal(seen, 'in_progress');
    const cancelled = await client.responses.cancel(created.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await client.responses.retrieve(created.id)).status, 'cancelled');
    assert.equal(hook.afters.length, 1);
    assert.equal(hook.afters[0]!.status, 'cancelled');
    // Cancelling again answers the same final object.
    assert.equal((await client.responses.cancel(created.id)).status, 'cancelled');
    await gateway.shutdown();
  });

  test('cancel of a response that is not a background one is a 400; of an unknown one a 404', async () => {
    const { gateway } = testGateway();
    const client = sdkClient(gateway);
    const plain = await client.responses.create({ model: 'mock', input: 'x' });
    await assert.rejects(client.responses.cancel(plain.id), (error: any) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /Only responses created with background/);
      return true;
    });
    await assert.rejects(client.responses.cancel('resp_nope'), (error: any) => error.status === 404);
    await gateway.shutdown();
  });

  test('stream: true streams the run, and a resumed stream continues after starting_after', async () => {
    const { gateway } = testGateway(MOCK_MODELS);
    const client = sdkClient(gateway);
    const stream = await client.responses.create({ model: 'twenty', input: 'count', background: true, stream: true });
    const first: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) {
      first.push(event);
      if (first.length === 5) break;
    }
    assert.equal(first[0]!.type, 'response.created');
    const id = (first[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    assert.equal((first[0] as OpenAI.Responses.ResponseCreatedEvent).response.background, true);
    const resumed = await client.responses.retrieve(id, { stream: true, starting_after: 4 });
    const rest: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of resumed) rest.push(event);
    assert.deepEqual(rest.map((e) => e.sequence_number), rest.map((_, i) => i + 5));
    assert.equal(rest[rest.length - 1]!.type, 'response.completed');
    // The whole stream again, from the start.
    const all: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await client.responses.retrieve(id, { stream: true })) all.push(event);
    assert.deepEqual(all.slice(0, 5).map((e) => e.type), first.map((e) => e.type));
    assert.equal(all.length, rest.length + 5);
    assert.equal((await client.responses.retrieve(id)).status, 'completed');
    await gateway.shutdown();
  });

  test('a followed stream of a run that is cancelled ends with a terminal event carrying the cancelled object', async () => {
    const { gateway } = testGateway(MOCK_MODELS);
    const client = sdkClient(gateway);
    const stream = await client.responses.create({ model: 'slow', input: 'x', background: true, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.output_text.delta' && events.filter((e) => e.type === 'response.output_text.delta').length === 2) {
        const id = (events[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
        assert.equal((await client.responses.cancel(id)).status, 'cancelled');
      }
    }
    const last = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.status, 'cancelled');
    assert.equal(last.sequence_number, events.length - 1);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    await gateway.shutdown();
  });

  test('resuming: a bad starting_after, a run without stream, or a plain response is a 400', async () => {
    const { gateway, request } = testGateway(MOCK_MODELS);
    const client = sdkClient(gateway);
    const quiet = await client.responses.create({ model: 'mock', input: 'x', background: true });
    await settled(client, quiet.id);
    const notKept = await request(`/v1/responses/${quiet.id}?stream=true`);
    assert.equal(notKept.status, 400);
    assert.match((await notKept.json()).error.message, /not created with stream: true/);
    const bad = await request(`/v1/responses/${quiet.id}?stream=true&starting_after=soon`);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, 'starting_after');
    const plain = await client.responses.create({ model: 'mock', input: 'x' });
    assert.equal((await request(`/v1/responses/${plain.id}?stream=true`)).status, 400);
    await gateway.shutdown();
  });

  test('events kept are bounded: the oldest go first, and resuming before them is a 400', async () => {
    const { gateway, request } = testGateway({ ...MOCK_MODELS, responses: { background: { max_events: 5 } } });
    const client = sdkClient(gateway);
    const stream = await client.responses.create({ model: 'twenty', input: 'count', background: true, stream: true });
    let id = '';
    let last = -1;
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      last = event.sequence_number;
    }
    const gone = await request(`/v1/responses/${id}?stream=true&starting_after=0`);
    assert.equal(gone.status, 400);
    assert.match((await gone.json()).error.message, /no longer kept/);
    const tail: number[] = [];
    for await (const event of await client.responses.retrieve(id, { stream: true, starting_after: last - 3 })) tail.push(event.sequence_number);
    assert.deepEqual(tail, [last - 2, last - 1, last]);
    await gateway.shutdown();
  });

  test('at most max_in_flight run at once: one more is a 429', async () => {
    const { gateway } = testGateway({ ...MOCK_MODELS, responses: { background: { max_in_flight: 1 } } });
    const client = sdkClient(gateway);
    const first = await client.responses.create({ model: 'slow', input: 'x', background: true });
    await assert.rejects(client.responses.create({ model: 'slow', input: 'y', background: true }), (error: any) => {
      assert.equal(error.status, 429);
      assert.equal(error.code, 'too_many_background_responses');
      return true;
    });
    await client.responses.cancel(first.id);
    // Once it has ended, there is room again.
    const again = await client.responses.create({ model: 'mock', input: 'z', background: true });
    assert.equal((await settled(client, again.id)).status, 'completed');
    await gateway.shutdown();
  });

  test('shutdown cancels a running background response and stores it as cancelled', async () => {
    const { gateway, logs } = testGateway(MOCK_MODELS);
    const client = sdkClient(gateway);
    const created = await client.responses.create({ model: 'slow', input: 'x', background: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The drain gives it the grace period (here too short), then shutdown cancels it.
    assert.equal(await gateway.drain(50), false);
    const store = gateway.store;
    const saved: any[] = [];
    const original = store.create.bind(store);
    store.create = async (call, turn) => {
      saved.push(turn.response);
      return original(call, turn);
    };
    await gateway.shutdown();
    assert.equal(saved.length, 1);
    assert.equal(saved[0].id, created.id);
    assert.equal(saved[0].status, 'cancelled');
    assert.ok(logs.some((l) => l.msg === 'cancelling background responses still running at shutdown'));
  });

  test('a run that fails upstream ends as failed, with the error', async () => {
    const { gateway } = testGateway(MOCK_MODELS);
    const client = sdkClient(gateway);
    const created = await client.responses.create({ model: 'failing', input: 'x', background: true });
    const done = await settled(client, created.id);
    assert.equal(done.status, 'failed');
    assert.ok(done.error?.message);
    await gateway.shutdown();
  });
});

describe('background responses in traces', () => {
  test("the run's provider span and its store write are in the creating request's trace, under its server span", async () => {
    const { OtlpReceiver } = await import('../fakes/otlp-receiver.ts');
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    try {
      const { gateway, post } = testGateway(
        { ...MOCK_MODELS, observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { endpoint } } } },
        { env: { OTEL_BSP_SCHEDULE_DELAY: '20' }, runtime: { name: 'nodejs', version: process.versions.node } },
      );
      const created = await (await post('/v1/responses', { model: 'mock', input: 'hi', background: true }, { 'x-request-id': 'bg-trace' })).json();
      await settled(sdkClient(gateway), created.id);
      await gateway.forceFlush();
      const [server] = await receiver.waitFor((s) => s.attributes['http.request_id'] === 'bg-trace');
      await receiver.waitFor((s) => s.traceId === server!.traceId && s.name === 'conversation.create');
      const spans = receiver.trace(server!.traceId);
      const provider = spans.find((s) => s.name === 'provider.generate_stream');
      assert.ok(provider, spans.map((s) => s.name).join(', '));
      assert.equal(provider.parentSpanId, server!.spanId);
      await gateway.shutdown();
    } finally {
      await receiver.close();
    }
  });
});
