import { InvalidRequestError } from '../errors/gateway-error.ts';
import type { CanonicalRequest } from '../providers/provider.ts';
import type { ContentPart, ConversationItem, Role, TextFormat } from '../canonical/types.ts';
import type { ChatRequest, ChatRequestMessage } from './request-schema.ts';

/**
 * A Chat Completions request in the canonical (Responses) model: messages
 * become items (assistant `tool_calls` become function_call items after the
 * assistant's text, `tool` messages function_call_output items), tools are
 * flattened, `response_format` becomes `text.format`. Items get no ids: chat
 * completions are not stored.
 */
export function chatToCanonical(request: ChatRequest, providerModelId: string): CanonicalRequest {
  const input: ConversationItem[] = [];
  request.messages.forEach((message, index) => addMessage(input, message, index));
  return {
    model: providerModelId,
    instructions: null,
    input,
    tools: (request.tools ?? []).map((tool) => ({
      type: 'function',
      name: tool.function.name,
      description: tool.function.description ?? null,
      parameters: tool.function.parameters ?? null,
      strict: tool.function.strict ?? null,
    })),
    tool_choice: toolChoice(request.tool_choice),
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    temperature: request.temperature ?? null,
    top_p: request.top_p ?? null,
    max_output_tokens: request.max_completion_tokens ?? request.max_tokens ?? null,
    ...(request.stop != null ? { stop: typeof request.stop === 'string' ? [request.stop] : request.stop } : {}),
    text: { format: textFormat(request.response_format) },
    reasoning: request.reasoning_effort ? { effort: request.reasoning_effort, summary: null } : null,
    user: request.user ?? null,
  };
}

function addMessage(input: ConversationItem[], message: ChatRequestMessage, index: number): void {
  switch (message.role) {
    case 'system':
    case 'developer':
      input.push(item(message.role, textParts(message.content, 'input_text')));
      return;
    case 'user': {
      const content: ContentPart[] =
        typeof message.content === 'string'
          ? [{ type: 'input_text', text: message.content }]
          : message.content.map((part) => {
              switch (part.type) {
                case 'text':
                  return { type: 'input_text', text: part.text };
                case 'image_url':
                  return { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail };
                case 'file':
                  return { type: 'input_file', ...part.file };
              }
            });
      input.push(item('user', content));
      return;
    }
    case 'assistant': {
      const content: ContentPart[] =
        typeof message.content === 'string'
          ? [{ type: 'output_text', text: message.content, annotations: [] }]
          : (message.content ?? []).map((part) => (part.type === 'text' ? { type: 'output_text', text: part.text, annotations: [] } : part));
      if (content.length > 0 && !(content.length === 1 && content[0]!.type === 'output_text' && content[0]!.text === '')) input.push(item('assistant', content));
      for (const call of message.tool_calls ?? []) {
        input.push({ type: 'function_call', id: '', call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
      }
      if (content.length === 0 && !message.tool_calls?.length) {
        throw new InvalidRequestError(`Invalid value for 'messages[${index}]': an assistant message needs content or tool_calls.`, { param: `messages[${index}]`, code: 'invalid_value' });
      }
      return;
    }
    case 'tool':
      input.push({
        type: 'function_call_output',
        id: '',
        call_id: message.tool_call_id,
        output: typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
        status: 'completed',
      });
      return;
  }
}

function item(role: Role, content: ContentPart[]): ConversationItem {
  return { type: 'message', id: '', role, status: 'completed', content };
}

function textParts(content: string | { type: 'text'; text: string }[], type: 'input_text'): ContentPart[] {
  return typeof content === 'string' ? [{ type, text: content }] : content.map((part) => ({ type, text: part.text }));
}

function toolChoice(choice: ChatRequest['tool_choice']): CanonicalRequest['tool_choice'] {
  if (choice == null) return 'auto';
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.function.name };
}

function textFormat(format: ChatRequest['response_format']): TextFormat {
  if (!format || format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, schema, strict, description } = format.json_schema;
  return { type: 'json_schema', name, schema: schema ?? {}, ...(strict != null ? { strict } : {}), ...(description ? { description } : {}) };
}
