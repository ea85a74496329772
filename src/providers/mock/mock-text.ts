import type { CanonicalRequest } from '../provider.ts';
import type { ContentPart, ConversationItem } from '../../canonical/types.ts';

/** What the mock provider answers, derived only from the request so replies are reproducible. */
export type MockReply =
  | { kind: 'text'; words: string[]; inputTokens: number }
  | { kind: 'function_call'; name: string; call_id: string; arguments: string; inputTokens: number };

/** Tokens, for the mock, are whitespace-separated words: simple, deterministic and visible in tests. */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = text.charCodeAt(i) <= 32;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

function partText(part: ContentPart): string {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text;
    case 'refusal':
      return part.refusal;
    default:
      return '';
  }
}

function itemText(item: ConversationItem): string {
  switch (item.type) {
    case 'message':
      return item.content.map(partText).join(' ');
    case 'function_call':
      return `${item.name} ${item.arguments}`;
    case 'function_call_output':
      return typeof item.output === 'string' ? item.output : item.output.map(partText).join(' ');
    case 'reasoning':
      return item.summary.map((s) => s.text).join(' ');
    case 'compaction':
      return '';
  }
}

/**
 * The most of the last user text a reply repeats. Replies stay small whatever
 * the input, so that neither building nor streaming one holds the event loop.
 */
export const ECHO_LIMIT = 4096;

/** FNV-1a, for stable call ids. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The mock's rules:
 * - input tokens: words of the instructions and of every input item;
 * - if tools are given and `tool_choice` is `required` or names a function, it
 *   calls that function (or the first one) with `{"input": <last user text>}`;
 * - if the last input item is a function result, it answers `Tool result: <output>`;
 * - otherwise it answers `Echo: <last user text>`.
 * Texts repeated are cut to their first ECHO_LIMIT characters.
 * With `chunks` set, the reply's words are repeated or cut to exactly that many.
 */
export function mockReply(request: CanonicalRequest, chunks: number | undefined): MockReply {
  let inputTokens = request.instructions ? countWords(request.instructions) : 0;
  let lastUser = '';
  for (const item of request.input) {
    const text = itemText(item);
    inputTokens += countWords(text);
    if (item.type === 'message' && item.role === 'user') lastUser = text;
  }
  lastUser = lastUser.slice(0, ECHO_LIMIT);
  const last = request.input[request.input.length - 1];
  const choice = request.tool_choice;
  if (request.tools.length > 0 && choice !== 'auto' && choice !== 'none' && last?.type !== 'function_call_output') {
    const name = typeof choice === 'object' ? choice.name : request.tools[0]!.name;
    return {
      kind: 'function_call',
      name,
      call_id: `call_${hash(`${name}\u0000${lastUser}`)}`,
      arguments: JSON.stringify({ input: lastUser }),
      inputTokens,
    };
  }
  const text = last?.type === 'function_call_output' ? `Tool result: ${itemText(last).slice(0, ECHO_LIMIT)}` : `Echo: ${lastUser}`;
  let words = text.split(/\s+/).filter((w) => w.length > 0);
  if (chunks !== undefined) {
    const cycled: string[] = [];
    for (let i = 0; i < chunks; i++) cycled.push(words[i % words.length]!);
    words = cycled;
  }
  return { kind: 'text', words, inputTokens };
}
