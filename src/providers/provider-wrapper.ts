import type { ModelConfig } from '../config/schema.ts';
import type { Provider } from './provider.ts';

/**
 * Wraps the provider of one route target (a configured model, or a provider
 * used directly as `provider/model`, whose target is named `unknown`) in
 * another Provider: instrumentation, a circuit breaker, retries. ModelRouter
 * applies its wrappers in list order: the first wraps the provider itself,
 * each next one wraps the result, so the last is outermost.
 */
export type ProviderWrapper = (provider: Provider, target: ModelConfig) => Provider;

/**
 * A wrapper made once per provider and shared by all of that provider's
 * targets (a breaker counts the provider's failures whatever model failed).
 * It must come first in the list, where it sees the provider itself.
 */
export function perProvider(wrap: (provider: Provider) => Provider): ProviderWrapper {
  const made = new Map<Provider, Provider>();
  return function wrapOncePerProvider(provider) {
    let wrapped = made.get(provider);
    if (!wrapped) {
      wrapped = wrap(provider);
      made.set(provider, wrapped);
    }
    return wrapped;
  };
}
