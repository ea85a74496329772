import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { ContentPart, ConversationItem } from '../canonical/types.ts';

/** Characters per token: OpenAI's rule of thumb for English text. */
const CHARS_PER_TOKEN = 4;

/**
 * A rough input-token count for providers with no counting endpoint (Chat
 * Completions and OpenAI-compatible upstreams): the characters of the
 * instructions, of every input item's text (function calls: name and
 * arguments; images and files count nothing) and of the tools' names,
 * descriptions and parameter schemas, divided by four, rounded up. Answered
 * with `x-gateway-estimate: true`; the upstream's own usage is the real count.
 */
export function estimateInputTokens(request: CanonicalRequest): number {
  let chars = request.instructions?.length ?? 0;
  for (const item of request.input) chars += itemChars(item);
  for (const tool of request.tools) {
    chars += tool.name.length + (tool.description?.length ?? 0) + (tool.parameters ? JSON.stringify(tool.parameters).length : 0);
  }
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

function itemChars(item: ConversationItem): number {
  switch (item.type) {
    case 'message':
      return partsChars(item.content);
    case 'function_call':
      return item.name.length + item.arguments.length;
    case 'function_call_output':
      return typeof item.output === 'string' ? item.output.length : partsChars(item.output);
    case 'reasoning':
      return item.summary.reduce((n, s) => n + s.text.length, 0);
    case 'compaction':
      // An upstream's own compaction item, opaque to the gateway: its base64 text as the nearest measure.
      return Math.ceil((item.encrypted_content.length * 3) / 4);
  }
}

function partsChars(parts: readonly ContentPart[]): number {
  let chars = 0;
  for (const part of parts) {
    if (part.type === 'input_text' || part.type === 'output_text') chars += part.text.length;
    else if (part.type === 'refusal') chars += part.refusal.length;
  }
  return chars;
}
