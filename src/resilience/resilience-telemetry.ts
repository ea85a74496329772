import type { Logger } from '../observability/logger.ts';
import type { CounterChild } from '../observability/metrics/counter-family.ts';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.ts';
import type { BreakerState } from './circuit-breaker.ts';
import type { ResilienceObserver } from './resilient-provider.ts';

const STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, half_open: 2 };
const TRANSITIONS: readonly (readonly [BreakerState, BreakerState])[] = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'closed'],
  ['half_open', 'open'],
];

/**
 * What a provider's breaker calls on each state change: sets
 * `circuit_breaker_state{provider}`, counts
 * `circuit_breaker_state_transitions_total{provider,from,to}` (every possible
 * transition bound at start-up, so each series exists at 0) and logs the
 * change. Only configured provider names become labels.
 */
export function breakerStateListener(provider: string, logger: Logger, metrics?: GatewayMetrics): (from: BreakerState, to: BreakerState) => void {
  const state = metrics?.circuitBreakerState.child(provider);
  const counts = new Map<string, CounterChild>();
  if (metrics) for (const [from, to] of TRANSITIONS) counts.set(`${from}>${to}`, metrics.circuitBreakerTransitions.child(provider, from, to));
  return (from, to) => {
    state?.set(STATE_VALUE[to]);
    counts.get(`${from}>${to}`)?.inc();
    const fields = { provider, from, to };
    if (to === 'open') logger.warn('circuit breaker opened', fields);
    else logger.info(to === 'closed' ? 'circuit breaker closed' : 'circuit breaker half-open', fields);
  };
}

/**
 * Counts `gateway_fallbacks_total{model,from,to}` for one requested model.
 * The series of its configured fallback chain (the model to its first
 * fallback, each fallback to the next) are bound at start-up; a skip over a
 * fallback whose breakers were all open binds its series on first use, still
 * from configured names only.
 */
export function fallbackCounter(metrics: GatewayMetrics, model: string, fallbacks: readonly string[]): ResilienceObserver['onFallback'] {
  const chain = [model, ...fallbacks];
  for (let i = 0; i + 1 < chain.length; i++) metrics.fallbacks.child(model, chain[i]!, chain[i + 1]!);
  return (requested, from, to) => metrics.fallbacks.child(requested, from, to).inc();
}
