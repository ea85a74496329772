import type { ProviderConfig } from '../../config/schema.ts';
import { UpstreamError } from '../../errors/gateway-error.ts';
import { makeUsage } from '../../canonical/types.ts';
import { abortableSleep } from '../abortable-sleep.ts';
import type { CanonicalEvent, CanonicalRequest, InputTokenCount, Provider, ProviderCall, ProviderResult } from '../provider.ts';
import { mockInputTokens, mockReply, type MockReply } from './mock-text.ts';

/** The longest a stream without delays runs before it lets the event loop serve others. */
const MAX_BUSY_MS = 4;
/** Characters per streamed piece of function call arguments. */
const ARGUMENT_DELTA = 32;

type MockConfig = Extract<ProviderConfig, { type: 'mock' }>;

/**
 * A provider that needs no upstream: deterministic replies (see mockReply),
 * word-count usage and configurable timing. It is the zero-configuration
 * default and the upstream of choice for benchmarks of the gateway itself.
 */
export class MockProvider implements Provider {
  readonly type = 'mock';

  constructor(
    readonly name: string,
    private readonly config: MockConfig,
  ) {}

  async generate(request: CanonicalRequest, { signal }: ProviderCall): Promise<ProviderResult> {
    if (this.config.ttfb_ms > 0) await abortableSleep(this.config.ttfb_ms, signal);
    const reply = mockReply(request, this.config.chunks);
    const failAfter = this.config.fail_after_chunks;
    if (failAfter !== undefined && (reply.kind === 'function_call' || failAfter < reply.words.length)) throw this.failure();
    if (reply.kind === 'function_call') {
      const { name, call_id, arguments: args } = reply;
      return { output: [{ type: 'function_call', name, call_id, arguments: args }], usage: makeUsage(reply.inputTokens, 1), status: 'completed', model: request.model };
    }
    const { words, truncated } = this.limit(reply, request.max_output_tokens);
    return {
      output: [{ type: 'message', text: words.join(' ') }],
      usage: makeUsage(reply.inputTokens, words.length),
      status: truncated ? 'incomplete' : 'completed',
      ...(truncated ? { incomplete_reason: 'max_output_tokens' as const } : {}),
      model: request.model,
    };
  }

  /** Exact, not an estimate: the mock's tokens are its words, counted as its replies count them. */
  async countInputTokens(request: CanonicalRequest, { signal }: ProviderCall): Promise<InputTokenCount> {
    if (signal.aborted) throw signal.reason;
    return { input_tokens: mockInputTokens(request), estimated: false };
  }

  async stream(request: CanonicalRequest, { signal }: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    if (signal.aborted) throw signal.reason;
    const events = this.events(request);
    const { ttfb_ms, chunk_delay_ms } = this.config;
    let first = true;
    let busySince = performance.now();
    return new ReadableStream<CanonicalEvent>(
      {
        async pull(controller) {
          const next = events.next();
          if (next.done) return controller.close();
          const delay = first ? ttfb_ms : next.value.type === 'text.delta' || next.value.type === 'arguments.delta' ? chunk_delay_ms : 0;
          first = false;
          if (delay > 0) {
            await abortableSleep(delay, signal);
            busySince = performance.now();
          } else if (performance.now() - busySince > MAX_BUSY_MS) {
            // Without delays every event is a microtask after the last: a long stream would hold the event loop to the end.
            await abortableSleep(0, signal);
            busySince = performance.now();
          }
          if (next.value.type === 'error') controller.error(next.value.error);
          else controller.enqueue(next.value);
        },
      },
      { highWaterMark: 0 },
    );
  }

  private *events(request: CanonicalRequest): Generator<CanonicalEvent> {
    const reply = mockReply(request, this.config.chunks);
    if (reply.kind === 'function_call') {
      yield { type: 'function_call.start', index: 0, call_id: reply.call_id, name: reply.name };
      // In pieces, as a model streams them.
      for (let at = 0; at < reply.arguments.length; at += ARGUMENT_DELTA) yield { type: 'arguments.delta', index: 0, delta: reply.arguments.slice(at, at + ARGUMENT_DELTA) };
      yield { type: 'item.done', index: 0 };
      yield { type: 'usage', usage: makeUsage(reply.inputTokens, 1) };
      yield { type: 'done', status: 'completed', model: request.model };
      return;
    }
    const { words, truncated } = this.limit(reply, request.max_output_tokens);
    const failAfter = this.config.fail_after_chunks;
    yield { type: 'message.start', index: 0 };
    // Input tokens are known at once, as real upstreams report them in their first event.
    yield { type: 'usage', usage: makeUsage(reply.inputTokens, 0) };
    for (let i = 0; i < words.length; i++) {
      if (i === failAfter) {
        // Usage as far as it got, as a real upstream reports it before failing.
        yield { type: 'usage', usage: makeUsage(reply.inputTokens, i) };
        yield { type: 'error', error: this.failure() };
        return;
      }
      yield { type: 'text.delta', index: 0, delta: i === 0 ? words[i]! : ` ${words[i]}` };
    }
    // A reply cut short by max_output_tokens leaves its item open: it ends incomplete with the response.
    if (!truncated) yield { type: 'item.done', index: 0 };
    yield { type: 'usage', usage: makeUsage(reply.inputTokens, words.length) };
    yield truncated
      ? { type: 'done', status: 'incomplete', incomplete_reason: 'max_output_tokens', model: request.model }
      : { type: 'done', status: 'completed', model: request.model };
  }

  private limit(reply: Extract<MockReply, { kind: 'text' }>, max: number | null): { words: string[]; truncated: boolean } {
    return max !== null && reply.words.length > max
      ? { words: reply.words.slice(0, max), truncated: true }
      : { words: reply.words, truncated: false };
  }

  private failure(): UpstreamError {
    return new UpstreamError(`Provider ${this.name} failed: the mock is configured to fail after ${this.config.fail_after_chunks} chunks.`);
  }
}
