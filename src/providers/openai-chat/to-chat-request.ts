import type { ContentPart, MessageItem } from '../../canonical/types.ts';
import type { CanonicalRequest } from '../provider.ts';
import { contentText, outputText } from '../translation/content-text.ts';
import { foreignCompaction, unsupported } from '../translation/unsupported.ts';
import type { ChatContentPart, ChatMessage, ChatResponseFormat, ChatTool, ChatToolChoice } from './chat-wire.ts';

/** Where Chat Completions upstreams differ, as data. */
export interface ChatDialect {
  /** The provider type, for messages. */
  type: string;
  /** OpenAI's current name for the output limit, or the older one most compatible servers know. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

/**
 * Canonical request → Chat Completions body. Instructions and system or
 * developer messages become `system` messages (every compatible server knows
 * that role); consecutive function calls join the assistant message before
 * them as `tool_calls`; function results become `tool` messages. Streams
 * always ask for usage (`stream_options.include_usage`).
 */
export function toChatRequest(request: CanonicalRequest, stream: boolean, dialect: ChatDialect): Record<string, unknown> {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  request.input.forEach((item, index) => {
    switch (item.type) {
      case 'message':
        messages.push(toMessage(item, index, dialect.type));
        return;
      case 'function_call': {
        const call = { id: item.call_id, type: 'function' as const, function: { name: item.name, arguments: item.arguments } };
        const last = messages[messages.length - 1];
        if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        return;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: outputText(item.output) });
        return;
      case 'reasoning':
        // Reasoning from an earlier turn cannot be given back through Chat Completions.
        return;
      case 'compaction':
        throw foreignCompaction(dialect.type, index);
    }
  });

  const body: Record<string, unknown> = { model: request.model, messages };
  if (request.tools.length > 0) {
    body.tools = request.tools.map(
      (tool): ChatTool => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description != null ? { description: tool.description } : {}),
          ...(tool.parameters != null ? { parameters: tool.parameters } : {}),
          ...(tool.strict != null ? { strict: tool.strict } : {}),
        },
      }),
    );
    body.tool_choice = toolChoice(request.tool_choice);
    if (!request.parallel_tool_calls) body.parallel_tool_calls = false;
  }
  const format = responseFormat(request);
  if (format) body.response_format = format;
  if (request.max_output_tokens !== null) body[dialect.maxTokensField] = request.max_output_tokens;
  if (request.temperature !== null) body.temperature = request.temperature;
  if (request.top_p !== null) body.top_p = request.top_p;
  if (request.stop?.length) body.stop = request.stop;
  if (request.reasoning?.effort) body.reasoning_effort = request.reasoning.effort;
  if (request.user !== null) body.user = request.user;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function toMessage(item: MessageItem, index: number, type: string): ChatMessage {
  switch (item.role) {
    case 'user':
      return { role: 'user', content: userContent(item.content, index, type) };
    case 'assistant':
      return { role: 'assistant', content: contentText(item.content) };
    default:
      return { role: 'system', content: contentText(item.content) };
  }
}

/** A lone text part is sent as a string: the form every compatible server accepts. */
function userContent(parts: readonly ContentPart[], index: number, type: string): string | ChatContentPart[] {
  if (parts.length === 1 && parts[0]!.type === 'input_text') return parts[0]!.text;
  return parts.map((part, p): ChatContentPart => {
    const param = `input[${index}].content[${p}]`;
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: part.text };
      case 'refusal':
        return { type: 'text', text: part.refusal };
      case 'input_image':
        if (!part.image_url) throw unsupported('An input_image given by file_id', type, param);
        return { type: 'image_url', image_url: { url: part.image_url, detail: part.detail } };
      case 'input_file':
        if (part.file_url) throw unsupported('An input_file given by file_url', type, param);
        return {
          type: 'file',
          file: {
            ...(part.file_id ? { file_id: part.file_id } : {}),
            ...(part.file_data ? { file_data: part.file_data } : {}),
            ...(part.filename ? { filename: part.filename } : {}),
          },
        };
    }
  });
}

function toolChoice(choice: CanonicalRequest['tool_choice']): ChatToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function responseFormat(request: CanonicalRequest): ChatResponseFormat | undefined {
  const format = request.text.format;
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.strict != null ? { strict: format.strict } : {}),
          ...(format.description ? { description: format.description } : {}),
        },
      };
  }
}
