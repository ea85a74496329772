import type { ProviderConfig } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.ts';
import type { RouteComposer, TargetedModel } from '../providers/model-router.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { breakerStateListener, fallbackCounter } from './resilience-telemetry.ts';
import { ResilientProvider, type ResilienceObserver, type ResilientModel } from './resilient-provider.ts';
import { RetryPolicy } from './retry-policy.ts';

/** A provider's resilience parts, shared by every model and target on it. */
interface ProviderParts {
  breaker?: CircuitBreaker;
  retry?: RetryPolicy;
}

export interface ResilienceComposerOptions {
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Monotonic milliseconds (the breakers' clock; injected for tests). */
  now?: () => number;
  random?: () => number;
}

/**
 * What ModelRouter uses to build each model's provider: one CircuitBreaker
 * and one RetryPolicy per provider that configures them (made at start-up, so
 * the breaker's state series exist from the first scrape), and a
 * ResilientProvider for each model that has several targets, fallbacks, or a
 * target on such a provider. Any other model is left as it is and pays nothing.
 */
export function resilienceComposer(providers: Readonly<Record<string, ProviderConfig>>, options: ResilienceComposerOptions): RouteComposer {
  const parts = new Map<string, ProviderParts>();
  for (const [name, config] of Object.entries(providers)) {
    const own: ProviderParts = {};
    const cb = config.circuit_breaker;
    if (cb) {
      own.breaker = new CircuitBreaker({
        failureRatio: cb.failure_ratio,
        minRequests: cb.min_requests,
        windowMs: cb.window,
        openForMs: cb.open_for,
        halfOpenRequests: cb.half_open_requests,
        onStateChange: breakerStateListener(name, options.logger, options.metrics),
        ...(options.now ? { now: options.now } : {}),
      });
    }
    const retry = config.retry;
    if (retry && retry.max_attempts > 1) {
      own.retry = new RetryPolicy({
        maxAttempts: retry.max_attempts,
        initialBackoffMs: retry.initial_backoff,
        maxBackoffMs: retry.max_backoff,
        ...(options.random ? { random: options.random } : {}),
      });
    }
    if (own.breaker || own.retry) parts.set(name, own);
  }

  const resilient = (model: TargetedModel): ResilientModel => ({
    name: model.name,
    targets: model.targets.map((target) => {
      const own = parts.get(target.provider.name);
      return { provider: target.provider, providerModelId: target.providerModelId, weight: target.weight, ...own };
    }),
  });
  const guarded = (model: TargetedModel) => model.targets.some((target) => parts.has(target.provider.name));

  return function composeResilience(model, fallbacks) {
    if (model.targets.length === 1 && fallbacks.length === 0 && !guarded(model)) return undefined;
    const observer: ResilienceObserver = {};
    if (options.metrics && fallbacks.length > 0) {
      observer.onFallback = fallbackCounter(options.metrics, model.name, fallbacks.map((f) => f.name));
    }
    return new ResilientProvider({
      primary: resilient(model),
      fallbacks: fallbacks.map(resilient),
      observer,
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  };
}
