import type { CanonicalEvent, CanonicalRequest, Provider, ProviderCall, ProviderResult } from '../../src/providers/provider.ts';

/**
 * Wraps a provider and records what the gateway asked of it and whether the
 * gateway cancelled it: the request, the abort of its signal, and the
 * cancellation of the stream it returned (with times, to check promptness).
 */
export class RecordingProvider implements Provider {
  readonly requests: CanonicalRequest[] = [];
  readonly calls: ProviderCall[] = [];
  abortedAt: number | undefined;
  streamCancelledAt: number | undefined;

  constructor(private readonly delegate: Provider) {}

  get name(): string {
    return this.delegate.name;
  }

  get type(): string {
    return this.delegate.type;
  }

  generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    this.record(request, call);
    return this.delegate.generate(request, call);
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    this.record(request, call);
    const reader = (await this.delegate.stream(request, call)).getReader();
    return new ReadableStream<CanonicalEvent>({
      pull: async (controller) => {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => {
        this.streamCancelledAt = performance.now();
        return reader.cancel(reason);
      },
    });
  }

  private record(request: CanonicalRequest, call: ProviderCall): void {
    this.requests.push(request);
    this.calls.push(call);
    call.signal.addEventListener('abort', () => (this.abortedAt = performance.now()), { once: true });
  }
}
