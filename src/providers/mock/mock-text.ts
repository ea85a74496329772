import type { CanonicalRequest } from '../provider.ts';
import type { ContentPart, ConversationItem, FunctionTool } from '../../canonical/types.ts';
import { mockArguments, toolNamedIn } from './mock-arguments.ts';

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

/** The mock's input tokens for a request, exactly as its replies report them. */
export function mockInputTokens(request: CanonicalRequest): number {
  let count = request.instructions ? countWords(request.instructions) : 0;
  for (const item of request.input) count += countWords(itemText(item));
  return count;
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
 * - unless the last input item is a function result, it calls a function:
 *   the one `tool_choice` names, or with `required` the first, or with
 *   `auto` the first whose name (or a word of it) appears in the last user
 *   text; its arguments are built from the function's JSON schema (see
 *   mockArguments);
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
  const tool = last?.type === 'function_call_output' ? undefined : toolToCall(request, lastUser);
  if (tool) {
    return {
      kind: 'function_call',
      name: tool.name,
      call_id: `call_${hash(`${tool.name}\u0000${lastUser}`)}`,
      arguments: mockArguments(tool, lastUser),
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

/** The function a model would call for this request, if any. */
function toolToCall(request: CanonicalRequest, lastUser: string): FunctionTool | undefined {
  const { tools, tool_choice: choice } = request;
  if (tools.length === 0 || choice === 'none') return undefined;
  if (choice === 'auto') return toolNamedIn(tools, lastUser);
  if (choice === 'required') return tools[0];
  // A named function that is not among the tools is still called by that name, as before.
  return tools.find((t) => t.name === choice.name) ?? { type: 'function', name: choice.name, parameters: null };
}
