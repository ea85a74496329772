import { InvalidRequestError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import { newId } from './ids.ts';
import type { RequestItem, RequestPart, ResponsesRequest } from './request-schema.ts';
import type { ContentPart, ConversationItem, MessageItem } from '../canonical/types.ts';

/**
 * This turn's input as conversation items with ids, in the shape
 * `input_items` lists: a string becomes one user message, message content
 * strings become parts, and `item_reference`s are replaced by the items they
 * name (from the earlier conversation or this input).
 */
export function normalizeInput(input: ResponsesRequest['input'], history: readonly ConversationItem[]): ConversationItem[] {
  if (typeof input === 'string') return [userMessage(input)];
  let known: Map<string, ConversationItem> | undefined;
  const out: ConversationItem[] = [];
  input.forEach((item, index) => {
    if (item.type === 'item_reference') {
      known ??= new Map(history.map((h) => [h.id, h]));
      for (const o of out) known.set(o.id, o);
      const found = known.get(item.id);
      if (!found) {
        throw new InvalidRequestError(`Item with id ${quoteValue(item.id)} not found.`, { param: `input[${index}].id`, code: 'item_not_found' });
      }
      out.push(found);
    } else {
      out.push(toItem(item, index));
    }
  });
  return out;
}

function userMessage(text: string): MessageItem {
  return { type: 'message', id: newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text }] };
}

function toItem(item: Exclude<RequestItem, { type: 'item_reference' }>, index: number): ConversationItem {
  switch (item.type) {
    case 'message': {
      const content: ContentPart[] =
        typeof item.content === 'string'
          ? [item.role === 'assistant' ? { type: 'output_text', text: item.content, annotations: [] } : { type: 'input_text', text: item.content }]
          : item.content.map((part, p) => toPart(part, `input[${index}].content[${p}]`));
      return { type: 'message', id: item.id ?? newId('msg'), role: item.role, status: item.status ?? 'completed', content };
    }
    case 'function_call':
      return {
        type: 'function_call',
        id: item.id ?? newId('fc'),
        call_id: item.call_id,
        name: item.name,
        arguments: item.arguments,
        status: item.status ?? 'completed',
      };
    case 'function_call_output':
      return {
        type: 'function_call_output',
        id: item.id ?? newId('fc'),
        call_id: item.call_id,
        output: typeof item.output === 'string' ? item.output : item.output.map((part, p) => toPart(part, `input[${index}].output[${p}]`)),
        status: item.status ?? 'completed',
      };
    case 'reasoning':
      return { type: 'reasoning', id: item.id, summary: item.summary, encrypted_content: item.encrypted_content ?? null };
    case 'compaction':
      // An upstream's own compaction item (the gateway's are expanded before this): kept for that upstream.
      return { type: 'compaction', id: item.id ?? newId('cmp'), encrypted_content: item.encrypted_content };
  }
}

function toPart(part: RequestPart, param: string): ContentPart {
  switch (part.type) {
    case 'input_image':
      if (!part.image_url && !part.file_id) {
        throw new InvalidRequestError(`Invalid value for '${param}': an input_image needs image_url or file_id.`, { param, code: 'invalid_value' });
      }
      return { type: 'input_image', image_url: part.image_url ?? null, file_id: part.file_id ?? null, detail: part.detail };
    case 'output_text':
      return { type: 'output_text', text: part.text, annotations: part.annotations };
    default:
      return part;
  }
}
