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
export function chatStreamTransformer({ id, model, created, includeUsage, call }: ChatStreamOptions): Transformer<CanonicalEvent, string> {
  const head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[`;
  const tail = includeUsage ? '],"usage":null}' : ']}';
  const choice = (delta: string, finish: string | null = null) => sseData(`${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}${tail}`);
  /** Per canonical item: its tool_calls index, or -1 for a message, -2 for reasoning (not sent). */
  const kinds: number[] = [];
  let calls = 0;
  let usage: Usage | null = null;
  let ended = false;

  const fail = (controller: TransformStreamDefaultController<string>, error: unknown) => {
    ended = true;
    const failure = toGatewayError(error);
    controller.enqueue(sseData(JSON.stringify(failure.toJSON())));
    call.end('failed', failure);
  };

  return {
    start(controller) {
      controller.enqueue(choice('{"role":"assistant","content":"","refusal":null}'));
    },
    transform(event, controller) {
      if (ended) return;
      switch (event.type) {
        case 'message.start':
          kinds[event.index] = -1;
          return;
        case 'reasoning.start':
          kinds[event.index] = -2;
          return;
        case 'function_call.start': {
          const call = calls++;
          kinds[event.index] = call;
          controller.enqueue(
            choice(`{"tool_calls":[{"index":${call},"id":${JSON.stringify(event.call_id)},"type":"function","function":{"name":${JSON.stringify(event.name)},"arguments":""}}]}`),
          );
          return;
        }
        case 'text.delta':
          if (kinds[event.index] === -1) controller.enqueue(choice(`{"content":${JSON.stringify(event.delta)}}`));
          return;
        case 'arguments.delta': {
          const call = kinds[event.index];
          if (call !== undefined && call >= 0) controller.enqueue(choice(`{"tool_calls":[{"index":${call},"function":{"arguments":${JSON.stringify(event.delta)}}}]}`));
          return;
        }
        case 'item.done':
          return;
        case 'usage':
          usage = call.usage = event.usage;
          return;
        case 'done':
          ended = true;
          controller.enqueue(choice('{}', chatFinishReason(event.status, event.incomplete_reason, calls > 0)));
          if (includeUsage && usage) {
            controller.enqueue(sseData(`${head}],"usage":${JSON.stringify(toChatUsage(usage))}}`));
          }
          controller.enqueue(DONE);
          call.end(event.status);
          return;
        case 'error':
          return fail(controller, event.error);
      }
    },
    flush(controller) {
      if (!ended) fail(controller, new Error('The provider ended the stream before the response was complete.'));
    },
  };
}
