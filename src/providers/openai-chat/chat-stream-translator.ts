import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { index as toIndex, object, optionalList, optionalObject, optionalString, ShapeError } from '../translation/shape.ts';
import { fromChatFinish } from './chat-finish.ts';
import { fromChatUsage } from './chat-usage.ts';
import type { ChatUsage } from './chat-wire.ts';

/**
 * `chat.completion.chunk`s → canonical events. Text deltas open a message
 * item; each tool call (by its `index`) opens a function_call item, and a tool
 * call closes the text before it. The usage chunk (asked for with
 * `include_usage`, after the finish reason) becomes a `usage` event, and
 * `[DONE]` the `done`. A server that closes the stream after a finish reason
 * without `[DONE]` is tolerated; one that stops before any finish reason has
 * cut the answer short. A chunk without a `choices` list (other than the
 * usage chunk) fails the stream as unreadable.
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
    const chunk = object(JSON.parse(message.data), 'a chunk');
    if (chunk.error) throw this.reported(chunk);
    this.model ??= this.modelName(chunk.model);
    const usage = optionalObject(chunk.usage, 'a chunk\'s `usage`') as ChatUsage | undefined;
    if (usage) out.enqueue({ type: 'usage', usage: fromChatUsage(usage) });
    if (chunk.choices === undefined && !usage) throw new ShapeError('a chunk has no `choices`');
    const choices = optionalList(chunk.choices, 'a chunk\'s `choices`');
    if (choices.length === 0) return;
    const choice = object(choices[0], 'a choice');
    const delta = optionalObject(choice.delta, 'a choice\'s `delta`');
    if (delta) {
      const text = optionalString(delta.content, 'a delta\'s `content`') || optionalString(delta.refusal, 'a delta\'s `refusal`');
      if (text) {
        if (this.textIndex === -1) this.textIndex = this.items.startMessage(out);
        out.enqueue({ type: 'text.delta', index: this.textIndex, delta: text });
      }
      const toolCalls = optionalList(delta.tool_calls, 'a delta\'s `tool_calls`');
      for (let i = 0; i < toolCalls.length; i++) {
        const call = object(toolCalls[i], 'a tool call delta');
        const fn = optionalObject(call.function, 'a tool call delta\'s `function`');
        const upstreamIndex = call.index === undefined || call.index === null ? i : toIndex(call.index, 'a tool call delta\'s `index`');
        let index = this.calls[upstreamIndex];
        if (index === undefined) {
          if (this.textIndex !== -1) {
            this.items.close(out, this.textIndex);
            this.textIndex = -1;
          }
          const id = optionalString(call.id, 'a tool call delta\'s `id`') ?? `call_${upstreamIndex}`;
          index = this.items.startCall(out, id, optionalString(fn?.name, 'a tool call delta\'s `name`') ?? '');
          this.calls[upstreamIndex] = index;
        }
        const args = optionalString(fn?.arguments, 'a tool call delta\'s `arguments`');
        if (args) out.enqueue({ type: 'arguments.delta', index, delta: args });
      }
    }
    const finishReason = optionalString(choice.finish_reason, 'a choice\'s `finish_reason`');
    if (finishReason) this.finishReason = finishReason;
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
