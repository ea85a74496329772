import type { CanonicalRequest } from '../provider.ts';
import { contentText } from './content-text.ts';

/**
 * For upstreams with a single system prompt beside the messages (Anthropic's
 * `system`, Gemini's `systemInstruction`): the instructions, then the text of
 * every system and developer message in order, separated by blank lines.
 */
export function systemPrompt(request: CanonicalRequest): string | undefined {
  let text = request.instructions ?? '';
  for (const item of request.input) {
    if (item.type !== 'message' || (item.role !== 'system' && item.role !== 'developer')) continue;
    const piece = contentText(item.content);
    if (piece !== '') text = text === '' ? piece : `${text}\n\n${piece}`;
  }
  return text === '' ? undefined : text;
}
