import type { ProviderConfig } from '../config/schema.ts';
import { AnthropicProvider } from './anthropic/anthropic-provider.ts';
import { AzureOpenAIProvider } from './azure-openai/azure-openai-provider.ts';
import { DisabledProvider } from './disabled-provider.ts';
import { GeminiProvider } from './gemini/gemini-provider.ts';
import { MockProvider } from './mock/mock-provider.ts';
import { openAICompatibleProvider } from './openai-compatible/openai-compatible-provider.ts';
import { openAIProvider } from './openai/openai-provider.ts';
import type { UpstreamFetch } from './http/upstream-exchange.ts';
import type { Provider } from './provider.ts';

/**
 * Builds the provider a config entry describes. One case per provider type.
 * A type that requires an API key gets a DisabledProvider when the key is
 * empty (`${VAR}` of an unset variable).
 */
export function createProvider(name: string, config: ProviderConfig, deps: ProviderDeps = {}): Provider {
  const { fetch } = deps;
  switch (config.type) {
    case 'mock':
      return new MockProvider(name, config);
    case 'openai':
      return withKey(name, config, () => openAIProvider(name, config, fetch));
    case 'azure_openai':
      return withKey(name, config, () => new AzureOpenAIProvider(name, config, fetch));
    case 'anthropic':
      return withKey(name, config, () => new AnthropicProvider(name, config, fetch));
    case 'gemini':
      return withKey(name, config, () => new GeminiProvider(name, config, fetch));
    case 'openai_compatible':
      // The key is optional here: local servers need none, and empty means none.
      return openAICompatibleProvider(name, config, fetch);
  }
}

export interface ProviderDeps {
  /** How HTTP providers send requests; the runtime's fetch when not given. */
  fetch?: UpstreamFetch;
}

function withKey(name: string, config: { type: string; api_key: string }, build: () => Provider): Provider {
  return config.api_key === '' ? new DisabledProvider(name, config.type, 'its api_key is empty (is the environment variable it names set?)') : build();
}
