import type { CanonicalEvent } from '../canonical/canonical-event.ts';
import { toGatewayError } from '../errors/gateway-error.ts';
import type { ModelCall } from '../pipeline/model-call.ts';
import { sseEvent } from '../streaming/sse.ts';
import { newId } from './ids.ts';
import type { ResponseDraft } from './response-draft.ts';
import type { IncompleteReason, OutputItem, ResponseObject, Usage } from '../canonical/types.ts';

interface OpenItem {
  item: OutputItem;
  /** Text or arguments so far. */
  text: string;
  open: boolean;
  closedAs?: 'completed' | 'incomplete';
}

/** Called with the final response before its terminal event is sent (to store it). Must not throw. */
export type OnTerminal = (response: ResponseObject) => Promise<void>;

/** How one event goes on the wire: an SSE message, or (WebSocket mode) the JSON text itself. */
export type EventFrame<Out> = (type: string, json: string) => Out;

/**
 * Canonical events → the Responses API's SSE stream: `response.created`,
 * `response.in_progress`, per item `output_item.added` … `output_item.done`
 * with their part and delta events, then exactly one of `response.completed`,
 * `response.incomplete` or `response.failed`. `sequence_number` counts from 0.
 * A provider stream that errors or ends without `done` ends in
 * `response.failed`, never in a silently truncated stream. The call learns
 * the usage as it comes and is ended before the terminal event is sent.
 */
export function responsesStreamTransformer<Out = string>(draft: ResponseDraft, call: ModelCall, onTerminal: OnTerminal, frame: EventFrame<Out> = sseEvent as EventFrame<never>): Transformer<CanonicalEvent, Out> {
  return new ResponsesStreamEncoder(draft, call, onTerminal, frame);
}

type Controller<Out> = TransformStreamDefaultController<Out>;

// A class rather than closures: the Node entry point runs through tsx, whose function names
// (esbuild's keepNames) cost a defineProperty for each named closure made, here six per stream.
class ResponsesStreamEncoder<Out> implements Transformer<CanonicalEvent, Out> {
  private seq = 0;
  private readonly items: OpenItem[] = [];
  private usage: Usage | null = null;
  private ended = false;

  constructor(
    private readonly draft: ResponseDraft,
    private readonly call: ModelCall,
    private readonly onTerminal: OnTerminal,
    private readonly frame: EventFrame<Out>,
  ) {}

  start(controller: Controller<Out>): void {
    const announced = this.draft.inProgress();
    this.send(controller, { type: 'response.created', response: announced });
    this.send(controller, { type: 'response.in_progress', response: announced });
  }

  // Synchronous but for the terminal events (they store the response first): a delta costs no promise.
  transform(event: CanonicalEvent, controller: Controller<Out>): void | Promise<void> {
    if (this.ended) return;
    try {
      switch (event.type) {
        case 'text.delta': {
          const entry = this.items[event.index];
          if (entry?.item.type === 'reasoning') {
            this.itemAt(event.index, 'reasoning').text += event.delta;
            this.send(controller, { type: 'response.reasoning_summary_text.delta', item_id: entry.item.id, output_index: event.index, summary_index: 0, delta: event.delta });
          } else {
            const open = this.itemAt(event.index, 'message');
            open.text += event.delta;
            this.send(controller, { type: 'response.output_text.delta', item_id: open.item.id, output_index: event.index, content_index: 0, delta: event.delta, logprobs: [] });
          }
          return;
        }
        case 'arguments.delta': {
          const open = this.itemAt(event.index, 'function_call');
          open.text += event.delta;
          this.send(controller, { type: 'response.function_call_arguments.delta', item_id: open.item.id, output_index: event.index, delta: event.delta });
          return;
        }
        case 'message.start':
          return this.open(controller, event.index, { type: 'message', id: newId('msg'), role: 'assistant', status: 'in_progress', content: [] });
        case 'reasoning.start':
          return this.open(controller, event.index, { type: 'reasoning', id: newId('rs'), summary: [] });
        case 'function_call.start':
          return this.open(controller, event.index, {
            type: 'function_call',
            id: newId('fc'),
            call_id: event.call_id,
            name: event.name,
            arguments: '',
            status: 'in_progress',
          });
        case 'item.done':
          return this.close(controller, event.index);
        case 'usage':
          this.usage = this.call.usage = event.usage;
          return;
        case 'done':
          return this.finish(controller, event.status, event.incomplete_reason);
        case 'error':
          return this.fail(controller, event.error);
      }
    } catch (error) {
      if (!this.ended) return this.fail(controller, error);
    }
  }

  async flush(controller: Controller<Out>): Promise<void> {
    if (!this.ended) await this.fail(controller, new Error('The provider ended the stream before the response was complete.'));
  }

  private send(controller: Controller<Out>, event: { type: string; sequence_number?: number; [key: string]: unknown }): void {
    event.sequence_number = this.seq++;
    controller.enqueue(this.frame(event.type, JSON.stringify(event)));
  }

  private itemAt(index: number, kind: OutputItem['type']): OpenItem {
    const entry = this.items[index];
    if (!entry || !entry.open || entry.item.type !== kind) {
      throw new Error(`provider sent an event for ${kind} item ${index}, which is not open`);
    }
    return entry;
  }

  private open(controller: Controller<Out>, index: number, item: OutputItem): void {
    const { items } = this;
    if (index !== items.length) throw new Error(`provider started item ${index}; expected item ${items.length}`);
    items.push({ item, text: '', open: true });
    this.send(controller, { type: 'response.output_item.added', output_index: index, item: snapshot(items[index]!, 'in_progress') });
    if (item.type === 'message') {
      this.send(controller, {
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
    } else if (item.type === 'reasoning') {
      this.send(controller, {
        type: 'response.reasoning_summary_part.added',
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
  }

  private close(controller: Controller<Out>, index: number, status: 'completed' | 'incomplete' = 'completed'): void {
    const entry = this.items[index];
    if (!entry || !entry.open) throw new Error(`provider ended item ${index}, which is not open`);
    entry.open = false;
    const { item } = entry;
    if (item.type === 'message') {
      const part = { type: 'output_text', text: entry.text, annotations: [] };
      this.send(controller, { type: 'response.output_text.done', item_id: item.id, output_index: index, content_index: 0, text: entry.text, logprobs: [] });
      this.send(controller, { type: 'response.content_part.done', item_id: item.id, output_index: index, content_index: 0, part });
    } else if (item.type === 'function_call') {
      this.send(controller, { type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, name: item.name, arguments: entry.text });
    } else if (item.type === 'reasoning') {
      this.send(controller, { type: 'response.reasoning_summary_text.done', item_id: item.id, output_index: index, summary_index: 0, text: entry.text });
      this.send(controller, { type: 'response.reasoning_summary_part.done', item_id: item.id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: entry.text } });
    }
    entry.closedAs = status;
    this.send(controller, { type: 'response.output_item.done', output_index: index, item: snapshot(entry, status) });
  }

  private async finish(controller: Controller<Out>, status: 'completed' | 'incomplete', reason?: IncompleteReason): Promise<void> {
    this.ended = true;
    const { items } = this;
    // Items the provider left open end with the response (incomplete when it was cut short).
    for (let i = 0; i < items.length; i++) if (items[i]!.open) this.close(controller, i, status);
    const output = items.map((entry) => snapshot(entry, entry.closedAs ?? 'completed'));
    const response = this.draft.finish(status, output, this.usage, { incomplete_reason: reason });
    this.call.end(status);
    await this.onTerminal(response);
    this.send(controller, { type: status === 'completed' ? 'response.completed' : 'response.incomplete', response });
  }

  private async fail(controller: Controller<Out>, error: unknown): Promise<void> {
    this.ended = true;
    const failure = toGatewayError(error);
    const output = this.items.map((entry) => snapshot(entry, entry.open ? 'incomplete' : 'completed'));
    const response = this.draft.finish('failed', output, this.usage, {
      error: { code: failure.status >= 500 ? 'server_error' : (failure.code ?? 'invalid_request'), message: failure.message },
    });
    this.call.end('failed', failure);
    await this.onTerminal(response);
    this.send(controller, { type: 'response.failed', response });
  }
}

/** The item as it stands, with its accumulated text, in the Responses API's shape. */
function snapshot(entry: OpenItem, status: 'in_progress' | 'completed' | 'incomplete'): OutputItem {
  const { item, text } = entry;
  switch (item.type) {
    case 'message':
      return { ...item, status, content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [] }] };
    case 'function_call':
      return { ...item, status, arguments: text };
    case 'reasoning':
      return { ...item, summary: text && status !== 'in_progress' ? [{ type: 'summary_text', text }] : [] };
  }
}
