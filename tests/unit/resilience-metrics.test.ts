import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/observability/logger.ts';
import { GatewayMetrics } from '../../src/observability/metrics/gateway-metrics.ts';
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.ts';
import { ResilientProvider } from '../../src/resilience/resilient-provider.ts';
import { breakerStateListener, fallbackCounter } from '../../src/resilience/resilience-telemetry.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { serverError } from '../fakes/fake-upstream-failure.ts';
import { ScriptedProvider } from '../fakes/scripted-provider.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';

async function scrape(metrics: GatewayMetrics) {
  const { body } = await metrics.render();
  return { text: body, samples: parseExposition(body) };
}

describe('resilience metrics', () => {
  test('circuit_breaker_state reads 0, 1, 2 and back to 0; every transition is counted and logged', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', sink: (line) => lines.push(line) });
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ failureRatio: 0.5, minRequests: 1, windowMs: 1_000, openForMs: 1_000, halfOpenRequests: 1, now: clock.now, onStateChange: breakerStateListener('openai', logger, metrics) });

    let { text, samples } = await scrape(metrics);
    assert.match(text, /^# TYPE circuit_breaker_state gauge$/m);
    assert.match(text, /^# TYPE circuit_breaker_state_transitions_total counter$/m);
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 0, 'exists at 0 from start-up');
    for (const [from, to] of [['closed', 'open'], ['open', 'half_open'], ['half_open', 'closed'], ['half_open', 'open']]) {
      assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: from!, to: to! }), 0);
    }

    breaker.settle(breaker.acquire(), 'failure');
    ({ samples } = await scrape(metrics));
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 1);
    clock.advance(1_000);
    const probe = breaker.acquire();
    ({ samples } = await scrape(metrics));
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 2);
    breaker.settle(probe, 'success');
    ({ samples } = await scrape(metrics));
    assert.equal(sample(samples, 'circuit_breaker_state', { provider: 'openai' }), 0);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'closed', to: 'open' }), 1);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'open', to: 'half_open' }), 1);
    assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: 'half_open', to: 'closed' }), 1);

    const logged = lines.map((line) => JSON.parse(line) as Record<string, string>);
    assert.deepEqual(logged.map((l) => [l.level, l.msg, l.provider, l.from, l.to]), [
      ['WARN', 'circuit breaker opened', 'openai', 'closed', 'open'],
      ['INFO', 'circuit breaker half-open', 'openai', 'open', 'half_open'],
      ['INFO', 'circuit breaker closed', 'openai', 'half_open', 'closed'],
    ]);
  });

  test('gateway_fallbacks_total{model,from,to}: the configured chain exists at 0 and each fallback is counted', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const onFallback = fallbackCounter(metrics, 'smart', ['claude', 'gemini-flash']);
    let { samples } = await scrape(metrics);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'smart', to: 'claude' }), 0);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'claude', to: 'gemini-flash' }), 0);

    const resilient = new ResilientProvider({
      primary: { name: 'smart', targets: [{ provider: new ScriptedProvider('openai', [{ fail: serverError() }]), providerModelId: 'gpt-4o', weight: 1 }] },
      fallbacks: [
        { name: 'claude', targets: [{ provider: new ScriptedProvider('anthropic', [{ fail: serverError() }]), providerModelId: 'claude', weight: 1 }] },
        { name: 'gemini-flash', targets: [{ provider: new ScriptedProvider('gemini'), providerModelId: 'gemini-2.5-flash', weight: 1 }] },
      ],
      observer: { onFallback },
    });
    const request = { model: 'smart' } as Parameters<typeof resilient.generate>[0];
    await resilient.generate(request, { signal: new AbortController().signal, headers: {} });
    ({ samples } = await scrape(metrics));
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'smart', to: 'claude' }), 1);
    assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'claude', to: 'gemini-flash' }), 1);
  });
});
