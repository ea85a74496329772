import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RandomIds } from '../../src/observability/tracing/random-ids.ts';

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
