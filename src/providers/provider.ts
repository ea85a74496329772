import type { Context } from '@opentelemetry/api';
import type {
  ConversationItem,
  FunctionTool,
  IncompleteReason,
  TextFormat,
  ToolChoice,
  Usage,
} from '../canonical/types.ts';

/**
 * What a provider is asked to do, in the Responses API's terms. The gateway has
 * already resolved the model, rebuilt the conversation for
 * `previous_response_id` and normalised the input; a provider only translates.
 */
export interface CanonicalRequest {
  /** Model id as the upstream knows it (`provider_model_id`). */
  model: string;
  instructions: string | null;
  /** Earlier turns (input then output, per turn) followed by this turn's input. */
  input: ConversationItem[];
  tools: FunctionTool[];
  tool_choice: ToolChoice;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  /** Stop sequences (Chat Completions clients send them; the Responses API has none). */
  stop?: readonly string[];
  text: { format: TextFormat };
  reasoning: { effort: string | null; summary: string | null } | null;
  user: string | null;
}

/** A finished output item as a provider reports it; the gateway assigns ids. */
export type ProviderOutput =
  | { type: 'message'; text: string }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'reasoning'; text: string };

export type FinishStatus = 'completed' | 'incomplete';

/** The complete result of a non-streamed call. */
export interface ProviderResult {
  output: ProviderOutput[];
  usage: Usage;
  status: FinishStatus;
  incomplete_reason?: IncompleteReason;
  /** The model the upstream says answered, when it says. */
  model?: string;
}

/**
 * Stream events a provider emits, in order. Items are numbered by `index`
 * (0, 1, … in the order they start); text and argument deltas belong to the
 * started item with that index. `usage` may come several times (running
 * totals): the last one counts. Exactly one `done` ends a successful stream; a
 * stream that fails errors instead (the gateway turns that into a terminal
 * `response.failed`).
 */
export type CanonicalEvent =
  | { type: 'message.start'; index: number }
  | { type: 'reasoning.start'; index: number }
  | { type: 'function_call.start'; index: number; call_id: string; name: string }
  | { type: 'text.delta'; index: number; delta: string }
  | { type: 'arguments.delta'; index: number; delta: string }
  | { type: 'item.done'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'done'; status: FinishStatus; incomplete_reason?: IncompleteReason; model?: string }
  /** Added by the gateway when the provider's stream errors; providers do not emit it. */
  | { type: 'error'; error: unknown };

/** What a provider needs to know about the call besides the request itself. */
export interface ProviderCall {
  /** Aborts when the client goes away; the upstream request must be aborted with it. */
  readonly signal: AbortSignal;
  /**
   * Headers every upstream HTTP request of this call must carry: the gateway's
   * `x-request-id`, and `traceparent`/`tracestate` when the call is traced.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The trace context to parent spans on (the request's server span), when the request is sampled. */
  readonly context?: Context;
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
}
