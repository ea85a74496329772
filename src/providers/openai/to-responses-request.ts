import type { ContentPart, ConversationItem } from '../../canonical/types.ts';
import type { CanonicalRequest } from '../provider.ts';
import { unsupported } from '../translation/unsupported.ts';

/**
 * Canonical request → OpenAI Responses body. The canonical model is the
 * Responses API's own, so this mostly copies; what it changes:
 * - `store: false`: the gateway keeps the conversation, and sends it whole;
 * - items lose their ids (they are the gateway's, unknown to OpenAI) and
 *   reasoning items are left out (OpenAI accepts back only its own, encrypted);
 * - null-valued optional fields are left out.
 */
export function toResponsesRequest(request: CanonicalRequest, stream: boolean): Record<string, unknown> {
  if (request.stop?.length) throw unsupported('`stop`', 'openai (api: responses)', 'stop');
  const input: unknown[] = [];
  for (const item of request.input) {
    const wire = toItem(item);
    if (wire) input.push(wire);
  }
  const body: Record<string, unknown> = { model: request.model, input, store: false };
  if (request.instructions) body.instructions = request.instructions;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      ...(tool.description != null ? { description: tool.description } : {}),
      parameters: tool.parameters ?? { type: 'object', properties: {} },
      ...(tool.strict != null ? { strict: tool.strict } : {}),
    }));
    body.tool_choice = request.tool_choice;
    body.parallel_tool_calls = request.parallel_tool_calls;
  }
  if (request.text.format.type !== 'text') body.text = { format: request.text.format };
  if (request.max_output_tokens !== null) body.max_output_tokens = request.max_output_tokens;
  if (request.temperature !== null) body.temperature = request.temperature;
  if (request.top_p !== null) body.top_p = request.top_p;
  if (request.reasoning && (request.reasoning.effort || request.reasoning.summary)) {
    body.reasoning = {
      ...(request.reasoning.effort ? { effort: request.reasoning.effort } : {}),
      ...(request.reasoning.summary ? { summary: request.reasoning.summary } : {}),
    };
  }
  if (request.user !== null) body.user = request.user;
  if (stream) body.stream = true;
  return body;
}

/**
 * A compaction call → the body of OpenAI's own `POST /responses/compact`:
 * the window and instructions as the client sent them (not the gateway's
 * summarising request, which is for providers without compaction).
 */
export function toCompactRequest(request: CanonicalRequest): Record<string, unknown> {
  const compact = request.compact!;
  const input: unknown[] = [];
  for (const item of compact.input) {
    const wire = toItem(item);
    if (wire) input.push(wire);
  }
  const body: Record<string, unknown> = { model: request.model, input };
  if (compact.instructions) body.instructions = compact.instructions;
  return body;
}

function toItem(item: ConversationItem): unknown {
  switch (item.type) {
    case 'message':
      return { type: 'message', role: item.role, content: item.content.map(toPart) };
    case 'function_call':
      return { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.call_id, output: typeof item.output === 'string' ? item.output : item.output.map(toPart) };
    case 'reasoning':
      return undefined;
    case 'compaction':
      // The upstream's own compaction item, given back to it as it made it.
      return { type: 'compaction', encrypted_content: item.encrypted_content };
  }
}

function toPart(part: ContentPart): unknown {
  switch (part.type) {
    case 'input_image':
      return {
        type: 'input_image',
        detail: part.detail,
        ...(part.image_url ? { image_url: part.image_url } : {}),
        ...(part.file_id ? { file_id: part.file_id } : {}),
      };
    case 'input_file':
      return {
        type: 'input_file',
        ...(part.file_id ? { file_id: part.file_id } : {}),
        ...(part.file_data ? { file_data: part.file_data } : {}),
        ...(part.file_url ? { file_url: part.file_url } : {}),
        ...(part.filename ? { filename: part.filename } : {}),
      };
    default:
      return part;
  }
}
