import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { fromResponsesUsage, incompleteReason } from './responses-usage.ts';
import type { ResponsesAnswer, ResponsesOutputItem } from './responses-wire.ts';

interface ResponsesStreamEvent {
  type: string;
  output_index?: number;
  summary_index?: number;
  delta?: string;
  item?: ResponsesOutputItem & { status?: string; call_id?: string; name?: string; arguments?: string };
  response?: ResponsesAnswer;
  code?: string;
  message?: string;
}

/**
 * An upstream Responses event stream → canonical events. The upstream's items
 * are renumbered (items of kinds the gateway does not carry are skipped, so
 * indices stay dense); an item the upstream ends `incomplete` is left open so
 * it ends incomplete with the response. `response.failed` and `error` events
 * fail the stream.
 */
export class ResponsesStreamTranslator extends BaseStreamTranslator {
  /** Canonical index of each upstream `output_index`; -1 for skipped items. */
  private readonly indices: number[] = [];

  message(message: SseMessage, out: EventSink): void {
    if (this.items.done) return;
    const event = JSON.parse(message.data) as ResponsesStreamEvent;
    switch (event.type) {
      case 'response.output_item.added': {
        const item = event.item!;
        let index = -1;
        if (item.type === 'message') index = this.items.startMessage(out);
        else if (item.type === 'reasoning') index = this.items.startReasoning(out);
        else if (item.type === 'function_call') {
          index = this.items.startCall(out, item.call_id!, item.name!);
          if (item.arguments) out.enqueue({ type: 'arguments.delta', index, delta: item.arguments });
        }
        this.indices[event.output_index!] = index;
        return;
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.reasoning_summary_text.delta': {
        const index = this.indexOf(event);
        if (index !== -1 && event.delta) out.enqueue({ type: 'text.delta', index, delta: event.delta });
        return;
      }
      case 'response.reasoning_summary_part.added': {
        // The canonical reasoning item has one text: later summary parts follow after a blank line.
        const index = this.indexOf(event);
        if (index !== -1 && (event.summary_index ?? 0) > 0) out.enqueue({ type: 'text.delta', index, delta: '\n\n' });
        return;
      }
      case 'response.function_call_arguments.delta': {
        const index = this.indexOf(event);
        if (index !== -1 && event.delta) out.enqueue({ type: 'arguments.delta', index, delta: event.delta });
        return;
      }
      case 'response.output_item.done': {
        const index = this.indexOf(event);
        if (index !== -1 && event.item?.status !== 'incomplete') this.items.close(out, index);
        return;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const answer = event.response!;
        const incomplete = event.type === 'response.incomplete';
        this.items.finish(out, incomplete ? 'incomplete' : 'completed', incomplete ? incompleteReason(answer) : undefined, answer.model, fromResponsesUsage(answer.usage));
        return;
      }
      case 'response.failed':
        throw this.reported({ error: event.response?.error ?? { message: 'the response failed' } });
      case 'error':
        throw this.reported({ error: { code: event.code, message: event.message } });
    }
  }

  /** The canonical index of the event's item; -1 for an item the gateway does not carry. */
  private indexOf(event: ResponsesStreamEvent): number {
    return this.indices[event.output_index ?? -1] ?? -1;
  }

  end(_out: EventSink): void {
    if (!this.items.done) throw this.cutShort();
  }
}
