import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { fromAnthropicUsage, fromStopReason } from './anthropic-usage.ts';
import type { AnthropicUsage } from './anthropic-wire.ts';

interface AnthropicStreamEvent {
  type: string;
  index?: number;
  message?: { model?: string; usage?: AnthropicUsage };
  content_block?: { type: string; text?: string; id?: string; name?: string; thinking?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
}

/**
 * Anthropic's stream → canonical events. Each content block is an item (text
 * → message, tool_use → function_call with its `input_json_delta`s as
 * argument deltas, thinking → reasoning). A block is closed when the next one
 * starts or the message stops, not at its own `content_block_stop`: whether
 * the last block was cut by `max_tokens` is only known from `message_delta`,
 * and a cut block must stay open. Usage is the input from `message_start`
 * merged with the cumulative output of each `message_delta`. `ping`s are
 * ignored; an `error` event fails the stream.
 */
export class AnthropicStreamTranslator extends BaseStreamTranslator {
  /** Canonical index of each content block; -1 for blocks the gateway does not carry. */
  private readonly blocks: number[] = [];
  private usage: AnthropicUsage = {};
  private stopReason: string | null | undefined;
  private model: string | undefined;

  message(message: SseMessage, out: EventSink): void {
    if (this.items.done) return;
    const event = JSON.parse(message.data) as AnthropicStreamEvent;
    switch (event.type) {
      case 'message_start':
        this.model = event.message?.model;
        if (event.message?.usage) this.report(event.message.usage, out);
        return;
      case 'content_block_start': {
        this.items.closeAll(out);
        const block = event.content_block!;
        let index = -1;
        let text: string | undefined;
        if (block.type === 'text') {
          index = this.items.startMessage(out);
          text = block.text;
        } else if (block.type === 'tool_use') {
          index = this.items.startCall(out, block.id!, block.name!);
        } else if (block.type === 'thinking') {
          index = this.items.startReasoning(out);
          text = block.thinking;
        }
        this.blocks[event.index!] = index;
        if (index !== -1 && text) out.enqueue({ type: 'text.delta', index, delta: text });
        return;
      }
      case 'content_block_delta': {
        const index = this.blocks[event.index!] ?? -1;
        const delta = event.delta!;
        if (index === -1) return;
        if (delta.type === 'text_delta' && delta.text) out.enqueue({ type: 'text.delta', index, delta: delta.text });
        else if (delta.type === 'input_json_delta' && delta.partial_json) out.enqueue({ type: 'arguments.delta', index, delta: delta.partial_json });
        else if (delta.type === 'thinking_delta' && delta.thinking) out.enqueue({ type: 'text.delta', index, delta: delta.thinking });
        return;
      }
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) this.stopReason = event.delta.stop_reason;
        if (event.usage) this.report(event.usage, out);
        return;
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
  private report(usage: AnthropicUsage, out: EventSink): void {
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const value = usage[key];
      if (typeof value === 'number') this.usage[key] = value;
    }
    out.enqueue({ type: 'usage', usage: fromAnthropicUsage(this.usage) });
  }
}
