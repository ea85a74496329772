import type { Context } from '@opentelemetry/api';
import type { AbortSource } from '../core/cancellation.ts';
import { type Pull, type Source } from '../streaming/pull.ts';
import type { CanonicalEvent } from '../canonical/canonical-event.ts';
import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { ProviderResult } from '../canonical/canonical-result.ts';

// The canonical types are the provider contract's vocabulary; providers import them from here.
export type { CanonicalEvent } from '../canonical/canonical-event.ts';
export type { CanonicalRequest } from '../canonical/canonical-request.ts';
export type { FinishStatus, ProviderOutput, ProviderResult } from '../canonical/canonical-result.ts';

/** What a provider needs to know about the call besides the request itself. */
export interface ProviderCall {
  /** Aborts when the client goes away; the upstream request must be aborted with it. */
  readonly signal: AbortSignal;
  /**
   * The same cancellation as `signal`, for code that only listens: reading it
   * makes no AbortSignal (on Node 20 one costs several microseconds a call).
   */
  readonly cancellation?: AbortSource;
  /**
   * Headers every upstream HTTP request of this call must carry: the gateway's
   * `x-request-id`, and `traceparent`/`tracestate` when the call is traced.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The trace context to parent spans on (the request's server span), when the request is sampled. */
  readonly context?: Context;
}

/** How many input tokens a request would be billed for. */
export interface InputTokenCount {
  input_tokens: number;
  /** True when the gateway estimated the count rather than the provider counting it. */
  estimated: boolean;
}

/**
 * A provider speaks to one upstream. Both methods must honour `call.signal`:
 * when it aborts (client gone), the upstream request is aborted too.
 * `stream` resolves once the upstream has accepted the request, so errors
 * before the first byte reject it and can still be answered with a status.
 */
export interface Provider {
  /** The key of `providers` in the config. */
  readonly name: string;
  /** The provider type (`mock`, `openai`, …). */
  readonly type: string;
  generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult>;
  stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>>;
  /**
   * The same as `stream`, as the pull source the gateway's stream stages read
   * (see streaming/pull.ts): no ReadableStream is made, where on Node 20 one
   * costs about 11 µs. Optional; without it the stages read `stream`'s.
   */
  streamPull?(request: CanonicalRequest, call: ProviderCall): Promise<Pull<CanonicalEvent>>;
  /**
   * Counts the request's input tokens as the provider bills them (its own
   * counting endpoint, where it has one). Absent: the gateway estimates.
   */
  countInputTokens?(request: CanonicalRequest, call: ProviderCall): Promise<InputTokenCount>;
}

/** The call's cancellation for code that only listens or asks whether it aborted: no AbortSignal is made for it. */
export function abortSourceOf(call: ProviderCall): AbortSource {
  return call.cancellation ?? call.signal;
}

/** A provider's stream as its stages read it: its pull source when it offers one, else its ReadableStream. */
export function streamEvents(provider: Provider, request: CanonicalRequest, call: ProviderCall): Promise<Source<CanonicalEvent>> {
  return provider.streamPull ? provider.streamPull(request, call) : provider.stream(request, call);
}
