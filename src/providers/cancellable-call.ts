import type { Context } from '@opentelemetry/api';
import type { Cancellation } from '../core/cancellation.ts';
import type { ProviderCall } from './provider.ts';

/** A call on a Cancellation (the request's), whose AbortSignal is made only for a provider that reads `signal`. */
export class CancellableCall implements ProviderCall {
  constructor(
    readonly cancellation: Cancellation,
    readonly headers: Readonly<Record<string, string>>,
    readonly context: Context | undefined,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}
