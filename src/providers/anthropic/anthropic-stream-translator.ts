import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { index, object, optionalObject, optionalString, string } from '../translation/shape.ts';
import { fromAnthropicUsage, fromStopReason } from './anthropic-usage.ts';
import type { AnthropicUsage } from './anthropic-wire.ts';

/**
 * Anthropic's stream → canonical events. Each content block is an item (text
 * → message, tool_use → function_call with its `input_json_delta`s as
 * argument deltas, thinking → reasoning). A block is closed when the next one
 * starts or the message stops, not at its own `content_block_stop`: whether
 * the last block was cut by `max_tokens` is only known from `message_delta`,
 * and a cut block must stay open. Usage is the input from `message_start`
 * merged with the cumulative output of each `message_delta`. `ping`s are
 * ignored; an `error` event fails the stream. The fields read are checked
 * for their shape; an event of the wrong shape fails the stream as unreadable.
 */
export class AnthropicStreamTranslator extends BaseStreamTranslator {
  /** Canonical index of each content block; -1 for blocks the gateway does not carry. */
  private readonly blocks: number[] = [];
  private usage: AnthropicUsage = {};
  private stopReason: string | null | undefined;
  private model: string | undefined;

  message(message: SseMessage, out: EventSink): void {
    if (this.items.done) return;
    const event = object(JSON.parse(message.data), 'an event');
    switch (string(event.type, 'an event\'s `type`')) {
      case 'message_start': {
        const started = object(event.message, 'message_start\'s `message`');
        this.model = this.modelName(started.model);
        const usage = optionalObject(started.usage, 'message_start\'s `usage`');
        if (usage) this.report(usage, out);
        return;
      }
      case 'content_block_start': {
        this.items.closeAll(out);
        const block = object(event.content_block, 'content_block_start\'s `content_block`');
        const at = index(event.index, 'content_block_start\'s `index`');
        let item = -1;
        let text: string | undefined;
        if (block.type === 'text') {
          item = this.items.startMessage(out);
          text = optionalString(block.text, 'a text block\'s `text`');
        } else if (block.type === 'tool_use') {
          item = this.items.startCall(out, string(block.id, 'a tool_use block\'s `id`'), string(block.name, 'a tool_use block\'s `name`'));
        } else if (block.type === 'thinking') {
          item = this.items.startReasoning(out);
          text = optionalString(block.thinking, 'a thinking block\'s `thinking`');
        }
        this.blocks[at] = item;
        if (item !== -1 && text) out.enqueue({ type: 'text.delta', index: item, delta: text });
        return;
      }
      case 'content_block_delta': {
        const item = this.blocks[index(event.index, 'content_block_delta\'s `index`')] ?? -1;
        const delta = object(event.delta, 'content_block_delta\'s `delta`');
        if (item === -1) return;
        if (delta.type === 'text_delta') {
          const text = string(delta.text, 'a text_delta\'s `text`');
          if (text) out.enqueue({ type: 'text.delta', index: item, delta: text });
        } else if (delta.type === 'input_json_delta') {
          const json = string(delta.partial_json, 'an input_json_delta\'s `partial_json`');
          if (json) out.enqueue({ type: 'arguments.delta', index: item, delta: json });
        } else if (delta.type === 'thinking_delta') {
          const text = string(delta.thinking, 'a thinking_delta\'s `thinking`');
          if (text) out.enqueue({ type: 'text.delta', index: item, delta: text });
        }
        return;
      }
      case 'message_delta': {
        const delta = optionalObject(event.delta, 'message_delta\'s `delta`');
        if (delta && 'stop_reason' in delta) this.stopReason = optionalString(delta.stop_reason, 'message_delta\'s `stop_reason`') ?? null;
        const usage = optionalObject(event.usage, 'message_delta\'s `usage`');
        if (usage) this.report(usage, out);
        return;
      }
      case 'message_stop': {
        const { status, incomplete_reason } = fromStopReason(this.stopReason);
        this.items.finish(out, status, incomplete_reason, this.model);
        return;
      }
      case 'error':
        throw this.reported(event);
    }
  }

  end(_out: EventSink): void {
    if (!this.items.done) throw this.cutShort();
  }

  /** Later usage fields replace earlier ones (output is cumulative); the merged total is reported each time. */
  private report(usage: Record<string, unknown>, out: EventSink): void {
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const value = usage[key];
      if (typeof value === 'number' && value >= 0) this.usage[key] = value;
    }
    out.enqueue({ type: 'usage', usage: fromAnthropicUsage(this.usage) });
  }
}
