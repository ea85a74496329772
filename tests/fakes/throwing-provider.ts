import type { CanonicalEvent, Provider, ProviderResult } from '../../src/providers/provider.ts';

/** A provider that fails by throwing something that is not an Error (as careless code does). */
export class ThrowingProvider implements Provider {
  readonly type = 'throwing';
  constructor(
    readonly name: string,
    private readonly thrown: unknown,
  ) {}

  generate(): Promise<ProviderResult> {
    return Promise.reject(this.thrown);
  }

  stream(): Promise<ReadableStream<CanonicalEvent>> {
    return Promise.reject(this.thrown);
  }
}
