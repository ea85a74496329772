import type { ContentPart } from '../../canonical/types.ts';
import type { CanonicalRequest } from '../provider.ts';
import { parseDataUrl } from '../translation/data-url.ts';
import { argumentsObject } from '../translation/function-arguments.ts';
import { systemPrompt } from '../translation/system-prompt.ts';
import { RoleTurns } from '../translation/role-turns.ts';
import { foreignCompaction, unsupported } from '../translation/unsupported.ts';
import type { AnthropicBlock, AnthropicMessage } from './anthropic-wire.ts';

const TYPE = 'anthropic';

/**
 * Canonical request → Anthropic Messages body:
 * - instructions and system/developer messages → `system`;
 * - items → alternating user/assistant messages of blocks (consecutive items
 *   of one role share a message): function calls are `tool_use` blocks in the
 *   assistant's message, their results `tool_result` blocks (referring to the
 *   `tool_use` id) at the start of the next user message;
 * - images and PDFs: data URLs as base64 sources, other URLs as url sources;
 * - `max_tokens` is required, so the provider's default fills in;
 * - `text.format` JSON schemas → `output_config.format`.
 */
export function toAnthropicRequest(request: CanonicalRequest, stream: boolean, defaultMaxTokens: number): Record<string, unknown> {
  const turns = new RoleTurns<AnthropicMessage['role'], AnthropicBlock>();
  const push = (role: AnthropicMessage['role'], block: AnthropicBlock) => turns.push(role, block);
  request.input.forEach((item, index) => {
    switch (item.type) {
      case 'message': {
        if (item.role === 'system' || item.role === 'developer') return;
        const role = item.role === 'assistant' ? 'assistant' : 'user';
        item.content.forEach((part, p) => {
          const block = toBlock(part, `input[${index}].content[${p}]`);
          if (block) push(role, block);
        });
        return;
      }
      case 'function_call':
        push('assistant', { type: 'tool_use', id: item.call_id, name: item.name, input: argumentsObject(item.arguments) });
        return;
      case 'function_call_output': {
        const content =
          typeof item.output === 'string'
            ? item.output
            : item.output.flatMap((part, p) => toBlock(part, `input[${index}].output[${p}]`) ?? []);
        push('user', { type: 'tool_result', tool_use_id: item.call_id, content });
        return;
      }
      case 'reasoning':
        // Anthropic accepts back only its own signed thinking blocks.
        return;
      case 'compaction':
        throw foreignCompaction(TYPE, index);
    }
  });

  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.max_output_tokens ?? defaultMaxTokens,
    messages: turns.turns.map((turn): AnthropicMessage => ({ role: turn.role, content: turn.parts })),
  };
  const system = systemPrompt(request);
  if (system) body.system = system;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description != null ? { description: tool.description } : {}),
      input_schema: tool.parameters ?? { type: 'object', properties: {} },
    }));
    body.tool_choice = toolChoice(request);
  }
  const format = request.text.format;
  if (format.type === 'json_schema') body.output_config = { format: { type: 'json_schema', schema: format.schema } };
  else if (format.type === 'json_object') body.output_config = { format: { type: 'json_schema', schema: { type: 'object' } } };
  if (request.temperature !== null) body.temperature = request.temperature;
  if (request.top_p !== null) body.top_p = request.top_p;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (request.user !== null) body.metadata = { user_id: request.user };
  if (stream) body.stream = true;
  return body;
}

function toBlock(part: ContentPart, param: string): AnthropicBlock | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      // Anthropic refuses empty text blocks.
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image':
      if (!part.image_url) throw unsupported('An input_image given by file_id', TYPE, param);
      return { type: 'image', source: source(part.image_url) };
    case 'input_file': {
      const url = part.file_data ?? part.file_url;
      if (!url) throw unsupported('An input_file given by file_id', TYPE, param);
      // A bare base64 payload (no data: prefix) is how some clients send file_data.
      const data = part.file_data && !part.file_data.startsWith('data:') ? `data:application/pdf;base64,${part.file_data}` : url;
      return { type: 'document', source: source(data) };
    }
  }
}

function source(url: string): { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } {
  const inline = parseDataUrl(url);
  return inline ? { type: 'base64', media_type: inline.mediaType, data: inline.data } : { type: 'url', url };
}

function toolChoice(request: CanonicalRequest): Record<string, unknown> {
  const choice = request.tool_choice;
  if (choice === 'none') return { type: 'none' };
  const parallel = request.parallel_tool_calls ? {} : { disable_parallel_tool_use: true };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  return { type: 'tool', name: choice.name, ...parallel };
}
