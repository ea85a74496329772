import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitBreaker, CLOSED_PERMIT, REFUSED, type BreakerState, type CircuitBreakerOptions } from '../../src/resilience/circuit-breaker.ts';
import { breakerOutcome } from '../../src/resilience/failure-facts.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { FakeUpstreamFailure } from '../fakes/fake-upstream-failure.ts';

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = new FakeClock();
  const transitions: string[] = [];
  const b = new CircuitBreaker({
    failureRatio: 0.5,
    minRequests: 4,
    windowMs: 10_000,
    openForMs: 5_000,
    halfOpenRequests: 2,
    now: clock.now,
    onStateChange: (from: BreakerState, to: BreakerState) => transitions.push(`${from}->${to}`),
    ...overrides,
  });
  const call = (outcome: 'success' | 'failure' | 'ignored') => {
    const permit = b.acquire();
    assert.notEqual(permit, REFUSED, `refused in state ${b.state}`);
    b.settle(permit, outcome);
  };
  return { b, clock, transitions, call };
}

describe('circuit breaker', () => {
  test('stays closed below min_requests, whatever the failures', () => {
    const { b, call } = breaker();
    for (let i = 0; i < 3; i++) call('failure');
    assert.equal(b.state, 'closed');
    assert.equal(b.acquire(), CLOSED_PERMIT);
  });

  test('closed -> open at min_requests calls with a failure ratio >= failure_ratio; open refuses', () => {
    const { b, call, transitions } = breaker();
    call('success');
    call('failure');
    call('success');
    assert.equal(b.state, 'closed');
    call('failure'); // 2 of 4 = 0.5
    assert.equal(b.state, 'open');
    assert.deepEqual(transitions, ['closed->open']);
    assert.equal(b.acquire(), REFUSED);
    assert.equal(b.available(), false);
  });

  test('a ratio below failure_ratio keeps it closed however many calls', () => {
    const { b, call } = breaker();
    for (let i = 0; i < 100; i++) call(i % 3 === 2 ? 'failure' : 'success'); // never above a third
    assert.equal(b.state, 'closed');
  });

  test('client errors and cancellations count for nothing', () => {
    const { b, call } = breaker({ minRequests: 2 });
    for (let i = 0; i < 10; i++) call('ignored');
    call('failure');
    assert.equal(b.state, 'closed', 'one failure is below min_requests: the ignored calls were not counted');
    call('failure');
    assert.equal(b.state, 'open');
  });

  test('calls older than the window fall out of it', () => {
    const { b, clock, call } = breaker();
    call('failure');
    call('failure');
    call('failure');
    clock.advance(10_500);
    call('failure');
    assert.equal(b.state, 'closed', 'the first three failures left the window');
    call('success');
    call('failure');
    assert.equal(b.state, 'closed', '2 of 3 within the window: below min_requests');
    call('success');
    assert.equal(b.state, 'open', '2 of 4 within the window: the call that reaches min_requests may be a success');
  });

  test('the window slides bucket by bucket', () => {
    const { b, clock, call } = breaker({ minRequests: 3, failureRatio: 1 });
    call('failure');
    clock.advance(5_000);
    call('failure');
    clock.advance(5_500); // the first failure is now 10.5 s old: out
    call('failure');
    assert.equal(b.state, 'closed');
    clock.advance(1_000);
    call('failure');
    assert.equal(b.state, 'open', 'three failures within the last 10 s');
  });

  test('open -> half_open lazily after open_for, on the next call; probes limited to half_open_requests', () => {
    const { b, clock, call, transitions } = breaker();
    for (let i = 0; i < 4; i++) call('failure');
    clock.advance(4_999);
    assert.equal(b.acquire(), REFUSED);
    assert.equal(b.retryAfterMs(), 1);
    clock.advance(1);
    assert.equal(b.state, 'open', 'nothing happens without a call (no timer)');
    assert.equal(b.available(), true);
    const first = b.acquire();
    assert.equal(b.state, 'half_open');
    const second = b.acquire();
    assert.ok(first > 0 && second > 0, 'probe permits');
    assert.equal(b.acquire(), REFUSED, 'a third call while two probes are out');
    assert.equal(b.available(), false);
    assert.equal(b.retryAfterMs(), 1_000);
    assert.deepEqual(transitions, ['closed->open', 'open->half_open']);
    b.settle(first, 'success');
    assert.equal(b.state, 'half_open', 'one probe is not enough');
    b.settle(second, 'success');
    assert.equal(b.state, 'closed');
    assert.deepEqual(transitions, ['closed->open', 'open->half_open', 'half_open->closed']);
    call('failure');
    call('failure');
    call('failure');
    assert.equal(b.state, 'closed', 'the window starts afresh after closing');
    call('failure');
    assert.equal(b.state, 'open');
  });

  test('half_open -> open on a probe failure, for another open_for', () => {
    const { b, clock, call, transitions } = breaker();
    for (let i = 0; i < 4; i++) call('failure');
    clock.advance(5_000);
    const probe = b.acquire();
    const other = b.acquire();
    b.settle(probe, 'failure');
    assert.equal(b.state, 'open');
    assert.equal(b.retryAfterMs(), 5_000);
    b.settle(other, 'success');
    assert.equal(b.state, 'open', 'a probe of the ended half-open period does not count');
    clock.advance(5_000);
    const next = b.acquire();
    assert.equal(b.state, 'half_open');
    b.settle(next, 'success');
    b.settle(b.acquire(), 'success');
    assert.equal(b.state, 'closed');
    assert.deepEqual(transitions, ['closed->open', 'open->half_open', 'half_open->open', 'open->half_open', 'half_open->closed']);
  });

  test('a probe that ends as a client error or cancellation frees its place', () => {
    const { b, clock, call } = breaker({ halfOpenRequests: 1 });
    for (let i = 0; i < 4; i++) call('failure');
    clock.advance(5_000);
    const probe = b.acquire();
    assert.equal(b.acquire(), REFUSED);
    b.settle(probe, 'ignored');
    assert.equal(b.state, 'half_open');
    const again = b.acquire();
    assert.notEqual(again, REFUSED);
    b.settle(again, 'success');
    assert.equal(b.state, 'closed');
  });

  test('calls that began while closed do not decide a half-open breaker', () => {
    const { b, clock, call } = breaker();
    const slow = b.acquire();
    for (let i = 0; i < 4; i++) call('failure');
    clock.advance(5_000);
    b.acquire();
    b.settle(slow, 'failure');
    assert.equal(b.state, 'half_open');
  });

  test('memory is fixed: a million calls over a long time keep the same counters', () => {
    const { b, clock, call } = breaker({ minRequests: 1_000_000_000 });
    for (let i = 0; i < 1_000_000; i++) {
      call(i % 2 ? 'failure' : 'success');
      if (i % 1000 === 0) clock.advance(37);
    }
    assert.equal(b.state, 'closed');
    const internal = b as unknown as { calls: number; bucketCalls: Uint32Array };
    assert.equal(internal.bucketCalls.length, 10);
    assert.ok(internal.calls <= 10_000 * 1.1 * 1000 / 37 + 1000, `calls in window: ${internal.calls}`);
  });
});

describe('breaker outcome of a failure', () => {
  const live = new AbortController().signal;
  test('client errors are not failures; 408, 409, 429 and 5xx are', () => {
    for (const status of [400, 401, 403, 404, 413, 422]) assert.equal(breakerOutcome(new FakeUpstreamFailure(status, false), live), 'ignored', String(status));
    for (const status of [408, 409, 429, 500, 502, 503, 504, 529]) assert.equal(breakerOutcome(new FakeUpstreamFailure(status, true), live), 'failure', String(status));
    assert.equal(breakerOutcome(new FakeUpstreamFailure(undefined, true), live), 'failure', 'a connection error');
    assert.equal(breakerOutcome(new Error('unexpected'), live), 'failure');
    assert.equal(breakerOutcome({ status: 400 }, live), 'ignored', "a GatewayError's status stands in");
  });

  test('a client that went away is not a failure', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(breakerOutcome(new FakeUpstreamFailure(500, true), controller.signal), 'ignored');
  });
});
