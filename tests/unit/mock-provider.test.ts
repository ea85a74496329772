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
});
