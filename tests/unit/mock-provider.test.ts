import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import type { CanonicalEvent, CanonicalRequest } from '../../src/providers/provider.ts';

function request(text: string, extra: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: 'm', instructions: null, tools: [], tool_choice: 'auto', parallel_tool_calls: true, temperature: null, top_p: null,
    max_output_tokens: null, text: { format: { type: 'text' } }, reasoning: null, user: null,
    input: [{ type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] }],
    ...extra,
  };
}

async function collect(stream: ReadableStream<CanonicalEvent>): Promise<CanonicalEvent[]> {
  const out: CanonicalEvent[] = [];
  for await (const event of stream as unknown as AsyncIterable<CanonicalEvent>) out.push(event);
  return out;
}

const call = () => ({ signal: new AbortController().signal, headers: {} });
const config = { type: 'mock' as const, ttfb_ms: 0, chunk_delay_ms: 0 };

describe('mock provider', () => {
  test('replies deterministically: the same input gives the same output', async () => {
    const provider = new MockProvider('mock', config);
    const a = await provider.generate(request('same words'), call());
    const b = await provider.generate(request('same words'), call());
    assert.deepEqual(a, b);
    assert.deepEqual(a.output, [{ type: 'message', text: 'Echo: same words' }]);
  });

  test('`chunks` fixes the number of text deltas, and usage counts them', async () => {
    const provider = new MockProvider('mock', { ...config, chunks: 20 });
    const events = await collect(await provider.stream(request('a b c'), call()));
    const deltas = events.filter((e) => e.type === 'text.delta');
    assert.equal(deltas.length, 20);
    assert.deepEqual(events.filter((e) => e.type === 'usage').at(-1), { type: 'usage', usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 23 } });
    assert.deepEqual(events.at(-1), { type: 'done', status: 'completed', model: 'm' });
  });

  test('ttfb_ms and chunk_delay_ms shape the timing', async () => {
    const provider = new MockProvider('mock', { ...config, ttfb_ms: 60, chunks: 4, chunk_delay_ms: 30 });
    const start = performance.now();
    const times: number[] = [];
    for await (const event of (await provider.stream(request('x'), call())) as unknown as AsyncIterable<CanonicalEvent>) {
      if (event.type === 'text.delta' || event.type === 'message.start') times.push(performance.now() - start);
    }
    assert.ok(times[0]! >= 55, `first event after ${times[0]} ms`);
    // 4 deltas, each after a 30 ms pause
    assert.ok(times[4]! - times[0]! >= 4 * 28, `deltas took ${times[4]! - times[0]!} ms`);
  });

  test('an aborted signal stops a pending delay', async () => {
    const provider = new MockProvider('mock', { ...config, ttfb_ms: 10_000 });
    const controller = new AbortController();
    const pending = provider.generate(request('x'), { signal: controller.signal, headers: {} });
    controller.abort(new Error('client gone'));
    await assert.rejects(pending, /client gone/);
  });

  test('fail_after_chunks errors the stream after that many deltas, and fails generate', async () => {
    const provider = new MockProvider('bad', { ...config, chunks: 5, fail_after_chunks: 2 });
    const reader = (await provider.stream(request('x'), call())).getReader();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        seen.push(value.type);
      }
    }, /fail after 2 chunks/);
    assert.deepEqual(seen, ['message.start', 'usage', 'text.delta', 'text.delta', 'usage']);
    await assert.rejects(provider.generate(request('x'), call()), { status: 502 });
  });
});

/** Runs `work` while watching the event loop; resolves with the longest time it went without running a timer. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 2);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(worst, performance.now() - last);
}

describe('mock provider: whatever the input, the event loop keeps turning', () => {
  // A correctness bound, not a speed figure: before the cap a 2 MB input held the loop for seconds.
  const BOUND_MS = 200;

  for (const stream of [false, true]) {
    test(`a 2 MB input (${stream ? 'streamed' : 'not streamed'}): no stall over ${BOUND_MS} ms, and a reply of bounded size`, async () => {
      const { post } = testGateway();
      await (await post('/v1/responses', { model: 'mock', input: 'warm up', stream })).text();
      for (const input of ['word '.repeat(400_000), 'x'.repeat(2_000_000)]) {
        const body = JSON.stringify({ model: 'mock', input, stream });
        let text = '';
        const stall = await longestStall(async () => {
          const res = await post('/v1/responses', body);
          assert.equal(res.status, 200);
          text = await res.text();
        });
        assert.ok(stall < BOUND_MS, `the event loop stalled for ${Math.round(stall)} ms`);
        assert.ok(text.length < 300_000, `a reply of ${text.length} characters`);
      }
    });
  }

  test(`a configured stream of 20,000 chunks without delays lets timers run`, async () => {
    const { post } = testGateway({ providers: { many: { type: 'mock', chunks: 20_000 } }, models: [{ name: 'many', provider: 'many' }] });
    let events = 0;
    const stall = await longestStall(async () => {
      const text = await (await post('/v1/responses', { model: 'many', input: 'a b c', stream: true })).text();
      events = text.split('event: response.output_text.delta').length - 1;
    });
    assert.equal(events, 20_000);
    assert.ok(stall < BOUND_MS, `the event loop stalled for ${Math.round(stall)} ms`);
  });

  test('the echo is cut to its first 4,096 characters, and the function call arguments too', async () => {
    const provider = new MockProvider('mock', config);
    const long = `${'a'.repeat(4000)} ${'b'.repeat(200)}`;
    const result = await provider.generate(request(long), call());
    assert.deepEqual(result.output, [{ type: 'message', text: `Echo: ${'a'.repeat(4000)} ${'b'.repeat(95)}` }]);
    // Input tokens still count the whole input.
    assert.equal(result.usage.input_tokens, 2);
    const tools = [{ type: 'function' as const, name: 'f', description: null, parameters: null, strict: null }];
    const called = await provider.generate(request('c'.repeat(10_000), { tools, tool_choice: 'required' }), call());
    const args = called.output[0]!.type === 'function_call' ? called.output[0]!.arguments : '';
    assert.equal(args, JSON.stringify({ input: 'c'.repeat(4096) }));
  });

  describe('tool_choice auto: calls the tool the last user message names, as a model would', () => {
    const weather = {
      type: 'function' as const, name: 'get_weather', description: null, strict: null,
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string' }, days: { type: 'integer', minimum: 2 }, units: { enum: ['celsius', 'fahrenheit'] },
          detailed: { type: 'boolean' }, note: { type: ['string', 'null'] }, optional: { type: 'string' },
          where: { type: 'object', properties: { lat: { type: 'number' }, label: { $ref: '#/$defs/label' } }, required: ['lat', 'label'] },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1 }, scale: { anyOf: [{ type: 'number', maximum: 0 }, { type: 'string' }] },
        },
        required: ['city', 'days', 'units', 'detailed', 'note', 'where', 'tags', 'scale'],
        $defs: { label: { const: 'home' } },
      },
    };
    const lookup = { type: 'function' as const, name: 'lookup-order', description: null, parameters: null, strict: null };

    test('a word of a tool name in the message: a function_call with arguments built from the schema (required properties only)', async () => {
      const provider = new MockProvider('mock', config);
      const result = await provider.generate(request('What is the WEATHER in Oslo?', { tools: [lookup, weather] }), call());
      const item = result.output[0]!;
      assert.ok(item.type === 'function_call');
      assert.equal(item.name, 'get_weather');
      assert.deepEqual(JSON.parse(item.arguments), {
        city: 'Oslo', days: 2, units: 'celsius', detailed: true, note: 'Oslo', where: { lat: 1, label: 'home' }, tags: ['Oslo'], scale: 0,
      });
      const byPart = await provider.generate(request('please look at my order', { tools: [weather, lookup] }), call());
      assert.ok(byPart.output[0]!.type === 'function_call' && byPart.output[0]!.name === 'lookup-order');
      // A tool without declared properties gets the message as its input.
      assert.deepEqual(JSON.parse(byPart.output[0]!.arguments), { input: 'please look at my order' });
    });

    test('no tool named, tool_choice none, or a function result last: text as before', async () => {
      const provider = new MockProvider('mock', config);
      const plain = await provider.generate(request('Hello there', { tools: [weather] }), call());
      assert.deepEqual(plain.output, [{ type: 'message', text: 'Echo: Hello there' }]);
      // A word inside another word is not the word.
      const inside = await provider.generate(request('weathering the storm', { tools: [weather] }), call());
      assert.equal(inside.output[0]!.type, 'message');
      const none = await provider.generate(request('weather in Oslo', { tools: [weather], tool_choice: 'none' }), call());
      assert.equal(none.output[0]!.type, 'message');
      const after = await provider.generate(request('weather in Oslo', {
        tools: [weather],
        input: [
          { type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'weather in Oslo' }] },
          { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{}', status: 'completed' },
          { type: 'function_call_output', id: 'fco_1', call_id: 'call_1', output: '{"temperature_c":21}', status: 'completed' },
        ],
      }), call());
      assert.deepEqual(after.output, [{ type: 'message', text: 'Tool result: {"temperature_c":21}' }]);
    });

    test('arguments stay bounded whatever the schema: self-referencing, deep and wide ones', async () => {
      const provider = new MockProvider('mock', config);
      const wide: Record<string, unknown> = {};
      for (let i = 0; i < 1000; i++) wide[`p${i}`] = { type: 'array', minItems: 1000, items: { type: 'string' } };
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 200; i++) deep = { type: 'object', properties: { d: deep }, required: ['d'] };
      const schemas = [
        { type: 'object', properties: { self: { $ref: '#' } }, required: ['self'] },
        { type: 'object', properties: { w: { type: 'object', properties: wide } }, required: ['w'] },
        { type: 'object', properties: { deep }, required: ['deep'] },
        { type: 'object', properties: { bad: { $ref: 'https://example.com/s.json' }, odd: 42 }, required: ['bad', 'odd', 'missing'] },
      ];
      for (const parameters of schemas) {
        const tool = { type: 'function' as const, name: 'probe', description: null, parameters, strict: null };
        const result = await provider.generate(request(`probe ${'x'.repeat(5000)}`, { tools: [tool] }), call());
        const item = result.output[0]!;
        assert.ok(item.type === 'function_call');
        assert.ok(item.arguments.length < 40_000, `${item.arguments.length} characters`);
        JSON.parse(item.arguments);
      }
    });

    test('streamed: the arguments arrive in several deltas that add up to the same JSON', async () => {
      const provider = new MockProvider('mock', config);
      const req = request('What is the weather in Oslo?', { tools: [weather] });
      const events = await collect(await provider.stream(req, call()));
      const deltas = events.filter((e) => e.type === 'arguments.delta').map((e) => (e as { delta: string }).delta);
      assert.ok(deltas.length > 1);
      const generated = (await provider.generate(req, call())).output[0]!;
      assert.ok(generated.type === 'function_call');
      assert.equal(deltas.join(''), generated.arguments);
    });
  });
});
