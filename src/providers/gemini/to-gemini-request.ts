import { InvalidRequestError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import type { ContentPart } from '../../canonical/types.ts';
import type { CanonicalRequest } from '../provider.ts';
import { outputText } from '../translation/content-text.ts';
import { parseDataUrl } from '../translation/data-url.ts';
import { argumentsObject } from '../translation/function-arguments.ts';
import { systemPrompt } from '../translation/system-prompt.ts';
import { RoleTurns } from '../translation/role-turns.ts';
import { foreignCompaction, unsupported } from '../translation/unsupported.ts';
import type { GeminiContent, GeminiPart } from './gemini-wire.ts';

const TYPE = 'gemini';

/**
 * Canonical request → Gemini `generateContent` body:
 * - instructions and system/developer messages → `systemInstruction`;
 * - items → `contents` of role user/model (consecutive items of one role share
 *   one content): function calls are `functionCall` parts of the model's turn,
 *   their results `functionResponse` parts of the next user turn. Gemini pairs
 *   a result with its call by function name, so the name is recovered from the
 *   `function_call` item with the same call_id earlier in the conversation;
 * - images and files: data URLs → `inlineData`, other URLs → `fileData`;
 * - tools → `functionDeclarations` with JSON Schema parameters; sampling,
 *   limits, stop sequences and JSON output → `generationConfig`.
 */
export function toGeminiRequest(request: CanonicalRequest): Record<string, unknown> {
  const turns = new RoleTurns<GeminiContent['role'], GeminiPart>();
  const push = (role: GeminiContent['role'], part: GeminiPart) => turns.push(role, part);
  const names = new Map<string, string>();
  request.input.forEach((item, index) => {
    switch (item.type) {
      case 'message': {
        if (item.role === 'system' || item.role === 'developer') return;
        const role = item.role === 'assistant' ? 'model' : 'user';
        item.content.forEach((part, p) => {
          const wire = toPart(part, `input[${index}].content[${p}]`);
          if (wire) push(role, wire);
        });
        return;
      }
      case 'function_call':
        names.set(item.call_id, item.name);
        push('model', { functionCall: { name: item.name, args: argumentsObject(item.arguments) } });
        return;
      case 'function_call_output': {
        const name = names.get(item.call_id);
        if (name === undefined) {
          throw new InvalidRequestError(
            `No function_call with call_id ${quoteValue(item.call_id)} precedes this function_call_output; gemini providers need it to name the function.`,
            { param: `input[${index}].call_id`, code: 'invalid_value' },
          );
        }
        push('user', { functionResponse: { name, response: { output: outputText(item.output) } } });
        return;
      }
      case 'reasoning':
        return;
      case 'compaction':
        throw foreignCompaction(TYPE, index);
    }
  });

  const contents: GeminiContent[] = turns.turns;
  const body: Record<string, unknown> = { contents };
  const system = systemPrompt(request);
  if (system) body.systemInstruction = { parts: [{ text: system }] };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description != null ? { description: tool.description } : {}),
          ...(tool.parameters != null ? { parametersJsonSchema: tool.parameters } : {}),
        })),
      },
    ];
    body.toolConfig = { functionCallingConfig: functionCalling(request.tool_choice) };
  }
  const generation: Record<string, unknown> = {};
  if (request.temperature !== null) generation.temperature = request.temperature;
  if (request.top_p !== null) generation.topP = request.top_p;
  if (request.max_output_tokens !== null) generation.maxOutputTokens = request.max_output_tokens;
  if (request.stop?.length) generation.stopSequences = request.stop;
  const format = request.text.format;
  if (format.type !== 'text') {
    generation.responseMimeType = 'application/json';
    if (format.type === 'json_schema') generation.responseJsonSchema = format.schema;
  }
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  return body;
}

function toPart(part: ContentPart, param: string): GeminiPart | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text === '' ? undefined : { text: part.text };
    case 'refusal':
      return { text: part.refusal };
    case 'input_image':
      if (!part.image_url) throw unsupported('An input_image given by file_id', TYPE, param);
      return media(part.image_url);
    case 'input_file': {
      if (part.file_data) return media(part.file_data.startsWith('data:') ? part.file_data : `data:application/pdf;base64,${part.file_data}`);
      if (part.file_url) return media(part.file_url);
      throw unsupported('An input_file given by file_id', TYPE, param);
    }
  }
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  pdf: 'application/pdf',
};

function media(url: string): GeminiPart {
  const inline = parseDataUrl(url);
  if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = extension ? MIME_BY_EXTENSION[extension] : undefined;
  return { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } };
}

function functionCalling(choice: CanonicalRequest['tool_choice']): Record<string, unknown> {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}
