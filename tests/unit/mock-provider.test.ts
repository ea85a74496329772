import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
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
