import type { CanonicalEvent } from '../canonical/canonical-event.ts';
import { toGatewayError } from '../errors/gateway-error.ts';
import type { ModelCall } from '../pipeline/model-call.ts';
import { toChatUsage } from '../providers/openai-chat/chat-usage.ts';
import { sseData } from '../streaming/sse.ts';
import type { Usage } from '../canonical/types.ts';
import { chatFinishReason } from './chat-finish-reason.ts';

export interface ChatStreamOptions {
  id: string;
  model: string;
  created: number;
  /** The client asked for `stream_options.include_usage`: a usage chunk before `[DONE]`, and `usage: null` on the others. */
  includeUsage: boolean;
  /** Learns the usage as it comes, and is ended at the terminal chunk. */
  call: ModelCall;
}

const DONE = sseData('[DONE]');

/**
 * Canonical events → `chat.completion.chunk` SSE (`data:` lines only): a
 * first chunk with the assistant role, a chunk per text or argument delta
 * (each function call a `tool_calls` entry numbered among the calls),
 * `finish_reason` on the last content chunk, the usage chunk (`choices: []`)
 * only when the client asked for it, then `[DONE]`. A failure ends the stream
 * with a chunk `{"error": {...}}` and no `[DONE]`: the OpenAI SDK raises it
 * as an APIError, and no client mistakes the stream for a complete one.
 *
 * The chunk envelope is the same for every chunk, so it is serialised once.
 * Chunks are text; the delivery stage encodes each batch once.
 */
export function chatStreamTransformer(options: ChatStreamOptions): Transformer<CanonicalEvent, string> {
  return new ChatStreamEncoder(options);
}

type Controller = TransformStreamDefaultController<string>;

// A class rather than closures: the Node entry point runs through tsx, whose function names
// (esbuild's keepNames) cost a defineProperty for each named closure made.
class ChatStreamEncoder implements Transformer<CanonicalEvent, string> {
  private readonly head: string;
  private readonly tail: string;
  private readonly includeUsage: boolean;
  private readonly call: ModelCall;
  /** Per canonical item: its tool_calls index, or -1 for a message, -2 for reasoning (not sent). */
  private readonly kinds: number[] = [];
  private calls = 0;
  private usage: Usage | null = null;
  private ended = false;

  constructor({ id, model, created, includeUsage, call }: ChatStreamOptions) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[`;
    this.tail = includeUsage ? '],"usage":null}' : ']}';
    this.includeUsage = includeUsage;
    this.call = call;
  }

  start(controller: Controller): void {
    controller.enqueue(this.choice('{"role":"assistant","content":"","refusal":null}'));
  }

  transform(event: CanonicalEvent, controller: Controller): void {
    if (this.ended) return;
    const { kinds } = this;
    switch (event.type) {
      case 'message.start':
        kinds[event.index] = -1;
        return;
      case 'reasoning.start':
        kinds[event.index] = -2;
        return;
      case 'function_call.start': {
        const call = this.calls++;
        kinds[event.index] = call;
        controller.enqueue(
          this.choice(`{"tool_calls":[{"index":${call},"id":${JSON.stringify(event.call_id)},"type":"function","function":{"name":${JSON.stringify(event.name)},"arguments":""}}]}`),
        );
        return;
      }
      case 'text.delta':
        if (kinds[event.index] === -1) controller.enqueue(this.choice(`{"content":${JSON.stringify(event.delta)}}`));
        return;
      case 'arguments.delta': {
        const call = kinds[event.index];
        if (call !== undefined && call >= 0) controller.enqueue(this.choice(`{"tool_calls":[{"index":${call},"function":{"arguments":${JSON.stringify(event.delta)}}}]}`));
        return;
      }
      case 'item.done':
        return;
      case 'usage':
        this.usage = this.call.usage = event.usage;
        return;
      case 'done':
        this.ended = true;
        controller.enqueue(this.choice('{}', chatFinishReason(event.status, event.incomplete_reason, this.calls > 0)));
        if (this.includeUsage && this.usage) {
          controller.enqueue(sseData(`${this.head}],"usage":${JSON.stringify(toChatUsage(this.usage))}}`));
        }
        controller.enqueue(DONE);
        this.call.end(event.status);
        return;
      case 'error':
        return this.fail(controller, event.error);
    }
  }

  flush(controller: Controller): void {
    if (!this.ended) this.fail(controller, new Error('The provider ended the stream before the response was complete.'));
  }

  private choice(delta: string, finish: string | null = null): string {
    return sseData(`${this.head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}${this.tail}`);
  }

  private fail(controller: Controller, error: unknown): void {
    this.ended = true;
    const failure = toGatewayError(error);
    controller.enqueue(sseData(JSON.stringify(failure.toJSON())));
    this.call.end('failed', failure);
  }
}
