import type { ProviderConfig } from '../config/schema.ts';
import { MockProvider } from './mock/mock-provider.ts';
import type { Provider } from './provider.ts';

/** Builds the provider a config entry describes. One case per provider type. */
export function createProvider(name: string, config: ProviderConfig): Provider {
  switch (config.type) {
    case 'mock':
      return new MockProvider(name, config);
  }
}
