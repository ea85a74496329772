import { ServiceUnavailableError } from '../errors/gateway-error.ts';
import type { CanonicalEvent, CanonicalRequest, Provider, ProviderResult } from './provider.ts';

/**
 * Stands in for a configured provider that cannot work (its `api_key`
 * resolved to nothing, usually an unset environment variable): the gateway
 * starts and warns, and its models answer 503 saying why, instead of sending
 * unauthenticated requests upstream.
 */
export class DisabledProvider implements Provider {
  constructor(
    readonly name: string,
    readonly type: string,
    /** Why, for the start-up warning and every answer. */
    readonly reason: string,
  ) {}

  generate(_request: CanonicalRequest): Promise<ProviderResult> {
    return Promise.reject(this.error());
  }

  stream(_request: CanonicalRequest): Promise<ReadableStream<CanonicalEvent>> {
    return Promise.reject(this.error());
  }

  private error(): ServiceUnavailableError {
    return new ServiceUnavailableError(`Provider '${this.name}' is disabled: ${this.reason}.`, {
      code: 'provider_disabled',
      // Nothing changes until the gateway is reconfigured.
      headers: { 'x-should-retry': 'false' },
    });
  }
}
