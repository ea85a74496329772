import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RandomIds } from '../../src/observability/tracing/random-ids.ts';
import { randomHex } from '../../src/core/random-hex.ts';
import { newId } from '../../src/responses/ids.ts';
import { chatCompletionId } from '../../src/chat-completions/chat-finish-reason.ts';

test('trace and span ids: lowercase hex of 32 and 16 digits, distinct, every digit in use, across pool refills', () => {
  const ids = new RandomIds();
  const traces = new Set<string>();
  const spans = new Set<string>();
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const traceId = ids.generateTraceId();
    const spanId = ids.generateSpanId();
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.match(spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(traceId, '0'.repeat(32));
    traces.add(traceId);
    spans.add(spanId);
    for (const c of traceId) seen.add(c);
  }
  assert.equal(traces.size, 5000);
  assert.equal(spans.size, 5000);
  assert.equal(seen.size, 16);
});

describe('random hex ids', () => {
  test('response, message and chat completion ids: 32 hex digits from the CSPRNG, none repeated across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3_000; i++) {
      const hex = randomHex(32);
      assert.match(hex, /^[0-9a-f]{32}$/);
      seen.add(hex);
    }
    assert.equal(seen.size, 3_000, 'about 23 refills of the 4,096-digit pool, no id twice');
    assert.match(newId('resp'), /^resp_[0-9a-f]{32}$/);
    assert.match(newId('msg'), /^msg_[0-9a-f]{32}$/);
    assert.match(chatCompletionId(), /^chatcmpl-[0-9a-f]{32}$/);
    // Every digit occurs: over 96,000 digits each of the 16 is near 6,000.
    const counts = new Map<string, number>();
    for (const id of seen) for (const digit of id) counts.set(digit, (counts.get(digit) ?? 0) + 1);
    assert.equal(counts.size, 16);
    for (const [digit, count] of counts) assert.ok(count > 5_000 && count < 7_000, `${digit}: ${count}`);
  });
});
