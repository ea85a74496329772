import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { index, object, optionalObject, optionalString, string, type Fields } from '../translation/shape.ts';
import { fromResponsesUsage, incompleteReason } from './responses-usage.ts';
import type { ResponsesAnswer, ResponsesUsage } from './responses-wire.ts';

/**
 * An upstream Responses event stream → canonical events. The upstream's items
 * are renumbered (items of kinds the gateway does not carry are skipped, so
 * indices stay dense); an item the upstream ends `incomplete` is left open so
 * it ends incomplete with the response. `response.failed` and `error` events
 * fail the stream. The fields read are checked for their shape; an event of
 * the wrong shape fails the stream as unreadable.
 */
export class ResponsesStreamTranslator extends BaseStreamTranslator {
  /** Canonical index of each upstream `output_index`; -1 for skipped items. */
  private readonly indices: number[] = [];

  message(message: SseMessage, out: EventSink): void {
    if (this.items.done) return;
    const event = object(JSON.parse(message.data), 'an event');
    const type = string(event.type, 'an event\'s `type`');
    switch (type) {
      case 'response.output_item.added': {
        const item = object(event.item, 'output_item.added\'s `item`');
        const at = index(event.output_index, 'output_item.added\'s `output_index`');
        let canonical = -1;
        if (item.type === 'message') canonical = this.items.startMessage(out);
        else if (item.type === 'reasoning') canonical = this.items.startReasoning(out);
        else if (item.type === 'function_call') {
          canonical = this.items.startCall(out, string(item.call_id, 'a function_call\'s `call_id`'), string(item.name, 'a function_call\'s `name`'));
          const args = optionalString(item.arguments, 'a function_call\'s `arguments`');
          if (args) out.enqueue({ type: 'arguments.delta', index: canonical, delta: args });
        }
        this.indices[at] = canonical;
        return;
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.reasoning_summary_text.delta': {
        const canonical = this.indexOf(event);
        const delta = optionalString(event.delta, `${type}'s \`delta\``);
        if (canonical !== -1 && delta) out.enqueue({ type: 'text.delta', index: canonical, delta });
        return;
      }
      case 'response.reasoning_summary_part.added': {
        // The canonical reasoning item has one text: later summary parts follow after a blank line.
        const canonical = this.indexOf(event);
        if (canonical !== -1 && typeof event.summary_index === 'number' && event.summary_index > 0) out.enqueue({ type: 'text.delta', index: canonical, delta: '\n\n' });
        return;
      }
      case 'response.function_call_arguments.delta': {
        const canonical = this.indexOf(event);
        const delta = optionalString(event.delta, 'function_call_arguments.delta\'s `delta`');
        if (canonical !== -1 && delta) out.enqueue({ type: 'arguments.delta', index: canonical, delta });
        return;
      }
      case 'response.output_item.done': {
        const canonical = this.indexOf(event);
        if (canonical !== -1 && optionalObject(event.item, 'output_item.done\'s `item`')?.status !== 'incomplete') this.items.close(out, canonical);
        return;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const answer = object(event.response, `${type}'s \`response\``);
        const incomplete = type === 'response.incomplete';
        const usage = optionalObject(answer.usage, `${type}'s \`usage\``) as ResponsesUsage | undefined;
        this.items.finish(
          out,
          incomplete ? 'incomplete' : 'completed',
          incomplete ? incompleteReason(answer as unknown as ResponsesAnswer) : undefined,
          this.modelName(answer.model),
          fromResponsesUsage(usage),
        );
        return;
      }
      case 'response.failed':
        throw this.reported({ error: optionalObject(event.response, 'response.failed\'s `response`')?.error ?? { message: 'the response failed' } });
      case 'error':
        throw this.reported({ error: { code: event.code, message: event.message } });
    }
  }

  /** The canonical index of the event's item; -1 for an item the gateway does not carry. */
  private indexOf(event: Fields): number {
    return typeof event.output_index === 'number' ? (this.indices[event.output_index] ?? -1) : -1;
  }

  end(_out: EventSink): void {
    if (!this.items.done) throw this.cutShort();
  }
}
