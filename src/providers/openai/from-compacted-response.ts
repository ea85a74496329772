import type { ProviderResult } from '../provider.ts';
import { list, object, optionalObject, optionalString, ShapeError, string } from '../translation/shape.ts';
import { fromResponsesUsage } from './responses-usage.ts';
import type { ResponsesUsage } from './responses-wire.ts';


/** The longest upstream `encrypted_content` passed on (the same bound as the gateway's own items). */
const MAX_ENCRYPTED_CHARS = 1_048_576;

/** Whether an upstream answer is a compacted response (`object: "response.compaction"`). */
export function isCompacted(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'response.compaction';
}

/**
 * An upstream `CompactedResponse` → result: its compaction item (passed on
 * unchanged) and its usage. The user messages it repeats are the client's
 * own, which the gateway already has.
 */
export function fromCompactedResponse(body: unknown): ProviderResult {
  const answer = object(body, 'the compacted response');
  let compaction: ProviderResult['compaction'];
  for (const entry of list(answer.output, 'the compacted response\'s `output`')) {
    const item = object(entry, 'an output item');
    if (item.type !== 'compaction') continue;
    const content = string(item.encrypted_content, 'a compaction item\'s `encrypted_content`');
    if (content.length > MAX_ENCRYPTED_CHARS) throw new ShapeError(`a compaction item's \`encrypted_content\` is longer than ${MAX_ENCRYPTED_CHARS} characters`);
    compaction = { id: optionalString(item.id, 'a compaction item\'s `id`') ?? '', encrypted_content: content };
  }
  if (!compaction) throw new ShapeError('the compacted response has no compaction item');
  return {
    output: [],
    usage: fromResponsesUsage(optionalObject(answer.usage, 'the compacted response\'s `usage`') as ResponsesUsage | undefined),
    status: 'completed',
    compaction,
  };
}
