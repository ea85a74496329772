import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abortableSleep } from '../../src/providers/abortable-sleep.ts';
import { RetryPolicy } from '../../src/resilience/retry-policy.ts';
import { badRequest, connectionReset, FakeUpstreamFailure, rateLimited, serverError } from '../fakes/fake-upstream-failure.ts';

const policy = (random = () => 0.999999, maxAttempts = 5) => new RetryPolicy({ maxAttempts, initialBackoffMs: 100, maxBackoffMs: 1_000, random });

describe('retry policy', () => {
  test('retries what says it is retryable, never the rest', () => {
    const p = policy();
    for (const error of [serverError(), rateLimited(), connectionReset(), new FakeUpstreamFailure(529, true), new FakeUpstreamFailure(408, true)]) {
      assert.notEqual(p.delayAfter(1, error, 0), undefined, error.message);
    }
    for (const error of [badRequest(), new FakeUpstreamFailure(401, false), new Error('unclassified'), 'a string', undefined]) {
      assert.equal(p.delayAfter(1, error, 0), undefined, String(error));
    }
  });

  test('max_attempts counts the first call', () => {
    const p = policy(undefined, 3);
    assert.notEqual(p.delayAfter(1, serverError(), 0), undefined);
    assert.notEqual(p.delayAfter(2, serverError(), 0), undefined);
    assert.equal(p.delayAfter(3, serverError(), 0), undefined);
    assert.equal(policy(undefined, 1).delayAfter(1, serverError(), 0), undefined, 'max_attempts 1: no retry');
  });

  test('full jitter: uniform up to min(max_backoff, initial * 2^(retry-1))', () => {
    const top = policy(() => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => Math.round(top.delayAfter(n, serverError(), 0) ?? -1)), [100, 200, 400, 800, -1]);
    const capped = new RetryPolicy({ maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1_000, random: () => 0.999999 });
    assert.equal(Math.round(capped.delayAfter(6, serverError(), 0)!), 1_000);
    const bottom = policy(() => 0);
    assert.equal(bottom.delayAfter(3, serverError(), 0), 0);
    const half = policy(() => 0.5);
    assert.equal(half.delayAfter(2, serverError(), 0), 100);
  });

  test('Retry-After is waited for exactly, up to max_backoff; longer ends the retries', () => {
    const p = policy(() => 0);
    assert.equal(p.delayAfter(1, rateLimited(750), 0), 750);
    assert.equal(p.delayAfter(1, rateLimited(1_000), 0), 1_000);
    assert.equal(p.delayAfter(1, rateLimited(1_001), 0), undefined);
    assert.equal(p.delayAfter(1, rateLimited(Number.NaN), 0), 0, 'an unreadable value is ignored');
  });

  test('no wait ends at or past the deadline', () => {
    const p = policy(() => 0.5);
    assert.equal(p.delayAfter(1, serverError(), 1_000, 1_051), 50);
    assert.equal(p.delayAfter(1, serverError(), 1_000, 1_050), undefined);
    assert.equal(p.delayAfter(1, rateLimited(500), 1_000, 1_400), undefined);
  });
});

describe('the backoff sleep', () => {
  test('rejects at once with the reason when the signal aborts, and clears its timer', async () => {
    const cleared: unknown[] = [];
    const realClear = globalThis.clearTimeout;
    globalThis.clearTimeout = ((id: Parameters<typeof clearTimeout>[0]) => {
      cleared.push(id);
      realClear(id);
    }) as typeof clearTimeout;
    try {
      const controller = new AbortController();
      const sleeping = abortableSleep(3_600_000, controller.signal);
      const reason = new Error('client gone');
      setTimeout(() => controller.abort(reason), 5);
      await assert.rejects(sleeping, (error) => error === reason);
      assert.equal(cleared.length, 1, 'the hour-long timer was cleared');
    } finally {
      globalThis.clearTimeout = realClear;
    }
  });

  test('an already aborted signal rejects without a timer', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await assert.rejects(abortableSleep(3_600_000, controller.signal), /gone/);
  });
});
