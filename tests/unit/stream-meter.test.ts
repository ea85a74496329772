import { streamOf } from '../../src/streaming/pull.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { meterStream, type StreamStats } from '../../src/observability/stream-meter.ts';
import type { CanonicalEvent } from '../../src/providers/provider.ts';
import { makeUsage } from '../../src/canonical/types.ts';

function source(events: CanonicalEvent[], failWith?: Error): ReadableStream<CanonicalEvent> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < events.length) controller.enqueue(events[i++]!);
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
  });
}

async function drain(stream: ReadableStream<CanonicalEvent>): Promise<CanonicalEvent[]> {
  const out: CanonicalEvent[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      reader.releaseLock();
      return out;
    }
    out.push(value);
  }
}

const BODY: CanonicalEvent[] = [
  { type: 'message.start', index: 0 },
  { type: 'usage', usage: makeUsage(4, 0) },
  { type: 'text.delta', index: 0, delta: 'a' },
  { type: 'text.delta', index: 0, delta: ' b' },
];

/** The meter's pull source as the standard stream these tests read. */
const meter = (...args: Parameters<typeof meterStream>) => streamOf(meterStream(...args));

describe('meterStream', () => {
  test('success at done, with chunks, last usage and finish reason; later cancel and abort change nothing', async () => {
    const settled: StreamStats[] = [];
    const abort = new AbortController();
    const events = [...BODY, { type: 'usage', usage: makeUsage(4, 2) }, { type: 'done', status: 'completed', model: 'm-1' }] as CanonicalEvent[];
    const metered = meter(source(events), abort.signal, (s) => settled.push(s));
    assert.deepEqual(await drain(metered), events, 'events pass through unchanged');
    abort.abort();
    await metered.cancel();
    assert.equal(settled.length, 1);
    const [stats] = settled;
    assert.equal(stats!.outcome, 'success');
    assert.equal(stats!.chunks, 2);
    assert.equal(stats!.usage!.output_tokens, 2);
    assert.equal(stats!.finishReason, 'stop');
    assert.equal(stats!.responseModel, 'm-1');
    assert.ok(stats!.firstEventAt! <= stats!.endedAt);
  });

  test('an upstream error becomes a final error event and settles as error', async () => {
    const settled: StreamStats[] = [];
    const boom = new Error('upstream reset');
    const out = await drain(meter(source(BODY, boom), new AbortController().signal, (s) => settled.push(s)));
    assert.deepEqual(out.at(-1), { type: 'error', error: boom });
    assert.deepEqual(settled.map((s) => [s.outcome, s.chunks, s.usage?.input_tokens, s.error]), [['error', 2, 4, boom]]);
  });

  test('an end without done is an error', async () => {
    const settled: StreamStats[] = [];
    await drain(meter(source(BODY), new AbortController().signal, (s) => settled.push(s)));
    assert.deepEqual(settled.map((s) => s.outcome), ['error']);
  });

  test('a consumer that cancels mid-stream: cancelled, the source is cancelled, input tokens kept', async () => {
    const settled: StreamStats[] = [];
    let sourceCancelled = false;
    let i = 0;
    const endless = new ReadableStream<CanonicalEvent>({
      pull: (c) => c.enqueue(BODY[Math.min(i++, 3)]!),
      cancel: () => void (sourceCancelled = true),
    });
    const reader = meter(endless, new AbortController().signal, (s) => settled.push(s)).getReader();
    for (let n = 0; n < 5; n++) await reader.read();
    await reader.cancel('client gone');
    assert.ok(sourceCancelled);
    assert.deepEqual(settled.map((s) => [s.outcome, s.chunks, s.usage?.input_tokens, s.error]), [['cancelled', 3, 4, 'client gone']]);
  });

  test('an aborted signal settles as cancelled even before anything was read', () => {
    const settled: StreamStats[] = [];
    const abort = new AbortController();
    abort.abort();
    meter(source(BODY), abort.signal, (s) => settled.push(s));
    assert.deepEqual(settled.map((s) => [s.outcome, s.firstEventAt]), [['cancelled', undefined]]);
  });
});
