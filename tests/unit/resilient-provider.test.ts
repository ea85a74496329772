import { streamOf } from '../../src/streaming/pull.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.ts';
import type { CanonicalEvent, CanonicalRequest, ProviderCall } from '../../src/providers/provider.ts';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/resilience/circuit-breaker.ts';
import { ResilientProvider, type AttemptReport, type ResilientModel, type ResilientTarget } from '../../src/resilience/resilient-provider.ts';
import { RetryPolicy } from '../../src/resilience/retry-policy.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { badRequest, connectionReset, rateLimited, serverError } from '../fakes/fake-upstream-failure.ts';
import { ScriptedProvider } from '../fakes/scripted-provider.ts';
import { seededRandom } from '../fakes/seeded-random.ts';

const REQUEST: CanonicalRequest = {
  model: 'requested',
  instructions: null,
  input: [{ type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] }],
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  text: { format: { type: 'text' } },
  reasoning: null,
  user: null,
};

function callWith(signal = new AbortController().signal): ProviderCall {
  return { signal, headers: {} };
}

const retry = (maxAttempts = 3) => new RetryPolicy({ maxAttempts, initialBackoffMs: 100, maxBackoffMs: 1_000, random: () => 0.5 });

function target(provider: ScriptedProvider, extra: Partial<ResilientTarget> = {}): ResilientTarget {
  return { provider, providerModelId: `${provider.name}-model`, weight: 1, ...extra };
}

function model(name: string, ...targets: ResilientTarget[]): ResilientModel {
  return { name, targets };
}

function setUp(primary: ResilientModel, fallbacks: ResilientModel[] = [], clock = new FakeClock(true)) {
  const attempts: AttemptReport[] = [];
  const fallbackCounts: string[] = [];
  const resilient = new ResilientProvider({
    primary,
    fallbacks,
    now: clock.now,
    sleep: clock.sleep,
    random: seededRandom(1),
    observer: {
      onAttempt: (report) => attempts.push(report),
      onFallback: (requested, from, to) => fallbackCounts.push(`${requested}:${from}->${to}`),
    },
  });
  return { resilient, attempts, fallbackCounts, clock };
}

async function readAll(stream: ReadableStream<CanonicalEvent>): Promise<CanonicalEvent[]> {
  const events: CanonicalEvent[] = [];
  for await (const event of stream as unknown as AsyncIterable<CanonicalEvent>) events.push(event);
  return events;
}

const brk = (clock: FakeClock, overrides: Partial<CircuitBreakerOptions> = {}) =>
  new CircuitBreaker({ failureRatio: 0.5, minRequests: 3, windowMs: 10_000, openForMs: 60_000, halfOpenRequests: 1, now: clock.now, ...overrides });

describe('resilient provider: retries', () => {
  test('a retryable failure is retried up to max_attempts, with backoff; each attempt is reported', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }, { fail: connectionReset() }, { answer: 'third time' }]);
    const { resilient, attempts, clock } = setUp(model('smart', target(openai, { retry: retry(3) })));
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.equal(openai.count, 3);
    assert.deepEqual(answered.value.output, [{ type: 'message', text: 'openai: third time' }]);
    assert.deepEqual({ provider: answered.provider, model: answered.model, attempts: answered.attempts }, { provider: 'openai', model: 'smart', attempts: 3 });
    assert.deepEqual(clock.sleeps, [50, 100], 'full jitter at 0.5 of 100 ms, then of 200 ms');
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.provider, a.model, a.outcome, a.retryInMs]),
      [
        [1, 'openai', 'smart', 'failure', 50],
        [2, 'openai', 'smart', 'failure', 100],
        [3, 'openai', 'smart', 'success', undefined],
      ],
    );
    assert.deepEqual(openai.requests.map((r) => r.model), ['openai-model', 'openai-model', 'openai-model'], 'the upstream id of the target');
  });

  test('gives up after max_attempts with the last failure', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(2) })));
    await assert.rejects(resilient.generate(REQUEST, callWith()), /HTTP 500/);
    assert.equal(openai.count, 2);
  });

  test('no retry policy: one attempt', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const { resilient } = setUp(model('smart', target(openai)));
    await assert.rejects(resilient.generate(REQUEST, callWith()), /HTTP 500/);
    assert.equal(openai.count, 1);
  });

  test('a client error is never retried nor sent to a fallback', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: badRequest() }]);
    const claude = new ScriptedProvider('anthropic');
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(3) })), [model('claude', target(claude))]);
    await assert.rejects(resilient.generate(REQUEST, callWith()), /HTTP 400/);
    assert.equal(openai.count, 1);
    assert.equal(claude.count, 0);
  });

  test("a 429's Retry-After is waited for instead of the backoff", async () => {
    const openai = new ScriptedProvider('openai', [{ fail: rateLimited(700) }, { answer: 'ok' }]);
    const clock = new FakeClock(false);
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(3) })), [], clock);
    const pending = resilient.generate(REQUEST, callWith());
    await until(() => clock.pending === 1);
    assert.deepEqual(clock.sleeps, [700]);
    clock.advance(699);
    await settleMicrotasks();
    assert.equal(openai.count, 1, 'not called again before Retry-After');
    clock.advance(1);
    await pending;
    assert.equal(openai.count, 2);
  });

  test('a Retry-After beyond max_backoff is not waited for: the fallback answers at once', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: rateLimited(30_000) }]);
    const claude = new ScriptedProvider('anthropic');
    const { resilient, clock, fallbackCounts } = setUp(model('smart', target(openai, { retry: retry(3) })), [model('claude', target(claude))]);
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.equal(answered.model, 'claude');
    assert.deepEqual(clock.sleeps, []);
    assert.deepEqual(fallbackCounts, ['smart:smart->claude']);
  });

  test('no retry wait ends past the deadline', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }, { answer: 'late' }]);
    const { resilient, clock } = setUp(model('smart', target(openai, { retry: retry(3) })));
    await assert.rejects(resilient.generateAnswered(REQUEST, callWith(), { deadline: 40 }), /HTTP 500/);
    assert.equal(openai.count, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  test('a client disconnect during the backoff cancels everything at once', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }, { answer: 'never' }]);
    const claude = new ScriptedProvider('anthropic');
    const clock = new FakeClock(false);
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(3) })), [model('claude', target(claude))], clock);
    const controller = new AbortController();
    const pending = resilient.generate(REQUEST, callWith(controller.signal));
    await until(() => clock.pending === 1);
    const reason = new DOMException('client gone', 'AbortError');
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(clock.pending, 0, 'the wait was dropped');
    clock.advance(10_000);
    await settleMicrotasks();
    assert.equal(openai.count, 1, 'no retry after the client left');
    assert.equal(claude.count, 0, 'no fallback after the client left');
  });

  test('a client disconnect during a call is reported as cancelled and not retried', async () => {
    const openai = new ScriptedProvider('openai', [{ hang: true }]);
    const { resilient, attempts } = setUp(model('smart', target(openai, { retry: retry(3) })));
    const controller = new AbortController();
    const pending = resilient.generate(REQUEST, callWith(controller.signal));
    controller.abort(new Error('gone'));
    await assert.rejects(pending, /gone/);
    assert.equal(openai.count, 1);
    assert.deepEqual(attempts.map((a) => a.outcome), ['cancelled']);
  });
});

describe('resilient provider: fallbacks and targets', () => {
  test('fallbacks are tried in order after the primary failed its retries', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const claude = new ScriptedProvider('anthropic', [{ fail: serverError() }]);
    const gemini = new ScriptedProvider('gemini');
    const { resilient, attempts, fallbackCounts } = setUp(model('smart', target(openai, { retry: retry(2) })), [
      model('claude', target(claude)),
      model('gemini-flash', target(gemini)),
    ]);
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.deepEqual({ provider: answered.provider, model: answered.model, attempts: answered.attempts }, { provider: 'gemini', model: 'gemini-flash', attempts: 4 });
    assert.deepEqual(attempts.map((a) => `${a.attempt}:${a.provider}/${a.model}:${a.outcome}`), [
      '1:openai/smart:failure',
      '2:openai/smart:failure',
      '3:anthropic/claude:failure',
      '4:gemini/gemini-flash:success',
    ]);
    assert.deepEqual(fallbackCounts, ['smart:smart->claude', 'smart:claude->gemini-flash']);
    assert.deepEqual(gemini.requests.map((r) => r.model), ['gemini-model']);
  });

  test("a model's other targets are tried before its fallbacks", async () => {
    const east = new ScriptedProvider('azure-east', [{ fail: serverError() }]);
    const west = new ScriptedProvider('azure-west');
    const claude = new ScriptedProvider('anthropic');
    const { resilient } = setUp(model('pool', target(east, { weight: 1000 }), target(west)), [model('claude', target(claude))]);
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.equal(answered.provider, 'azure-west');
    assert.equal(claude.count, 0);
  });

  test('weighted targets share the calls 3:1', async () => {
    const east = new ScriptedProvider('azure-east');
    const west = new ScriptedProvider('azure-west');
    const { resilient } = setUp(model('pool', target(east, { weight: 3 }), target(west, { weight: 1 })));
    for (let i = 0; i < 1_000; i++) await resilient.generate(REQUEST, callWith());
    const sigma = Math.sqrt(1_000 * 0.75 * 0.25);
    assert.ok(Math.abs(east.count - 750) <= 4.5 * sigma, `east ${east.count}`);
    assert.equal(east.count + west.count, 1_000);
  });
});

describe('resilient provider: streams', () => {
  test('a stream whose stream() rejects (before the first byte) is retried', async () => {
    const openai = new ScriptedProvider('openai', [{ fail: connectionReset() }, { answer: 'streamed' }]);
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(3) })));
    const answered = await resilient.streamAnswered(REQUEST, callWith());
    const events = await readAll(streamOf(answered.value));
    assert.equal(answered.attempts, 2);
    assert.deepEqual(events.at(-1), { type: 'done', status: 'completed' });
  });

  test('a failure after the first streamed event is not retried: it reaches the consumer as the terminal error', async () => {
    const clock = new FakeClock(true);
    const failure = serverError();
    const openai = new ScriptedProvider('openai', [{ failAfter: 2, error: failure }, { answer: 'must not be asked' }]);
    const claude = new ScriptedProvider('anthropic');
    const breaker = brk(clock, { minRequests: 1 });
    const { resilient } = setUp(model('smart', target(openai, { retry: retry(3), breaker })), [model('claude', target(claude))], clock);
    const stream = await resilient.stream(REQUEST, callWith());
    const events = await readAll(stream);
    assert.deepEqual(events.map((e) => e.type), ['message.start', 'text.delta', 'text.delta', 'error']);
    assert.equal((events.at(-1) as { error: unknown }).error, failure, 'the error passes through as it is');
    assert.equal(openai.count, 1, 'never retried');
    assert.equal(claude.count, 0, 'never sent to a fallback');
    assert.equal(breaker.state, 'open', 'the stream counted by its outcome: a failure');
  });

  test('a stream counts for the breaker by how it ends: done is a success, a cancel counts for nothing', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 1, failureRatio: 1 });
    const openai = new ScriptedProvider('openai', [{ answer: 'fine' }]);
    const { resilient } = setUp(model('smart', target(openai, { breaker })), [], clock);
    await readAll(await resilient.stream(REQUEST, callWith()));
    const cancelled = await resilient.stream(REQUEST, callWith());
    await cancelled.cancel('client gone');
    assert.equal(breaker.state, 'closed');
    const internal = breaker as unknown as { calls: number; failures: number };
    assert.deepEqual([internal.calls, internal.failures], [1, 0]);
  });
});

describe('resilient provider: circuit breakers', () => {
  test('after the breaker opens no call reaches the failing provider until open_for has passed; then a probe does', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 3, failureRatio: 0.5, openForMs: 60_000 });
    const failing = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const claude = new ScriptedProvider('anthropic');
    const { resilient } = setUp(model('smart', target(failing, { breaker })), [model('claude', target(claude))], clock);
    for (let i = 0; i < 3; i++) assert.equal((await resilient.generateAnswered(REQUEST, callWith())).model, 'claude');
    assert.equal(failing.count, 3);
    assert.equal(breaker.state, 'open');
    for (let i = 0; i < 20; i++) {
      const answered = await resilient.generateAnswered(REQUEST, callWith());
      assert.deepEqual([answered.model, answered.attempts], ['claude', 1], 'straight to the fallback');
      clock.advance(2_000);
    }
    assert.equal(failing.count, 3, 'nothing reached the failing provider while open');
    clock.advance(20_000); // 60 s since it opened
    await resilient.generate(REQUEST, callWith());
    assert.equal(failing.count, 4, 'one probe after open_for');
    assert.equal(breaker.state, 'open', 'the probe failed: open again');
  });

  test('recovery: a successful probe closes the breaker and the provider answers again', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 2 });
    const flaky = new ScriptedProvider('openai', [{ fail: serverError() }, { fail: serverError() }, { answer: 'back' }]);
    const { resilient } = setUp(model('smart', target(flaky, { breaker })), [], clock);
    await assert.rejects(resilient.generate(REQUEST, callWith()));
    await assert.rejects(resilient.generate(REQUEST, callWith()));
    assert.equal(breaker.state, 'open');
    clock.advance(60_000);
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.equal(answered.provider, 'openai');
    assert.equal(breaker.state, 'closed');
  });

  test('an open breaker with no other candidate: 503 circuit_open with Retry-After', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 1 });
    const failing = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const { resilient, attempts } = setUp(model('smart', target(failing, { breaker })), [], clock);
    await assert.rejects(resilient.generate(REQUEST, callWith()), /HTTP 500/);
    clock.advance(15_500);
    const error = await resilient.generate(REQUEST, callWith()).then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CircuitOpenError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'circuit_open');
    assert.equal(error.headers?.['retry-after'], '45');
    const response = error.toResponse();
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '45');
    assert.deepEqual(await response.json(), {
      error: { message: "No provider of model 'smart' is taking requests now (circuit breaker open); retry after 45 s.", type: 'server_error', param: null, code: 'circuit_open' },
    });
    assert.equal(failing.count, 1);
    assert.equal(attempts.length, 1, 'a refused call is not an attempt');
  });

  test('a weighted target with an open breaker is skipped; the other takes every call', async () => {
    const clock = new FakeClock(true);
    const eastBreaker = brk(clock, { minRequests: 1 });
    const east = new ScriptedProvider('azure-east', [{ fail: serverError() }, { answer: 'unused' }]);
    const west = new ScriptedProvider('azure-west');
    const { resilient } = setUp(model('pool', target(east, { weight: 1000, breaker: eastBreaker }), target(west)), [], clock);
    await resilient.generate(REQUEST, callWith());
    assert.equal(eastBreaker.state, 'open');
    for (let i = 0; i < 50; i++) assert.equal((await resilient.generateAnswered(REQUEST, callWith())).provider, 'azure-west');
    assert.equal(east.count, 1);
  });

  test('the breaker stops retries of a target as soon as it opens', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 2 });
    const failing = new ScriptedProvider('openai', [{ fail: serverError() }]);
    const claude = new ScriptedProvider('anthropic');
    const { resilient } = setUp(model('smart', target(failing, { breaker, retry: retry(5) })), [model('claude', target(claude))], clock);
    const answered = await resilient.generateAnswered(REQUEST, callWith());
    assert.equal(failing.count, 2, 'the third retry was refused by the open breaker');
    assert.deepEqual([answered.model, answered.attempts], ['claude', 3]);
  });

  test('client errors do not open the breaker', async () => {
    const clock = new FakeClock(true);
    const breaker = brk(clock, { minRequests: 1 });
    const openai = new ScriptedProvider('openai', [{ fail: badRequest() }]);
    const { resilient } = setUp(model('smart', target(openai, { breaker })), [], clock);
    for (let i = 0; i < 10; i++) await assert.rejects(resilient.generate(REQUEST, callWith()), /HTTP 400/);
    assert.equal(breaker.state, 'closed');
  });
});

async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await settleMicrotasks();
  assert.ok(condition(), 'condition never held');
}

