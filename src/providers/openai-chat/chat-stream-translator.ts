import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { fromChatFinish } from './chat-finish.ts';
import { fromChatUsage } from './chat-usage.ts';
import type { ChatCompletionChunk, ChatToolCallDelta } from './chat-wire.ts';

/**
 * `chat.completion.chunk`s → canonical events. Text deltas open a message
 * item; each tool call (by its `index`) opens a function_call item, and a tool
 * call closes the text before it. The usage chunk (asked for with
 * `include_usage`, after the finish reason) becomes a `usage` event, and
 * `[DONE]` the `done`. A server that closes the stream after a finish reason
 * without `[DONE]` is tolerated; one that stops before any finish reason has
 * cut the answer short.
 */
export class ChatStreamTranslator extends BaseStreamTranslator {
  private textIndex = -1;
  /** Canonical index of each upstream tool call index. */
  private readonly calls: number[] = [];
  private finishReason: string | null = null;
  private model: string | undefined;

  message(message: SseMessage, out: EventSink): void {
    if (this.items.done) return;
    if (message.data === '[DONE]') return this.finish(out);
    const chunk = JSON.parse(message.data) as ChatCompletionChunk;
    if (chunk.error) throw this.reported(chunk);
    this.model ??= chunk.model;
    if (chunk.usage) out.enqueue({ type: 'usage', usage: fromChatUsage(chunk.usage) });
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta;
    if (delta) {
      const text = delta.content || delta.refusal;
      if (text) {
        if (this.textIndex === -1) this.textIndex = this.items.startMessage(out);
        out.enqueue({ type: 'text.delta', index: this.textIndex, delta: text });
      }
      if (delta.tool_calls) {
        for (let i = 0; i < delta.tool_calls.length; i++) {
          const call: ChatToolCallDelta = delta.tool_calls[i]!;
          const upstreamIndex = call.index ?? i;
          let index = this.calls[upstreamIndex];
          if (index === undefined) {
            if (this.textIndex !== -1) {
              this.items.close(out, this.textIndex);
              this.textIndex = -1;
            }
            index = this.items.startCall(out, call.id ?? `call_${upstreamIndex}`, call.function?.name ?? '');
            this.calls[upstreamIndex] = index;
          }
          const args = call.function?.arguments;
          if (args) out.enqueue({ type: 'arguments.delta', index, delta: args });
        }
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  end(out: EventSink): void {
    if (this.items.done) return;
    if (this.finishReason === null) throw this.cutShort();
    this.finish(out);
  }

  private finish(out: EventSink): void {
    const { status, incomplete_reason } = fromChatFinish(this.finishReason);
    this.items.finish(out, status, incomplete_reason, this.model);
  }
}
