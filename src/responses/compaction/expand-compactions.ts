import { InvalidRequestError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import type { ResponsesRequest } from '../request-schema.ts';
import { CompactionSealer, SealError } from './compaction-sealer.ts';

/** How an opened summary is put before the model: a developer message (each provider maps it to its system form). */
export const SUMMARY_PREFIX = 'Summary of the earlier conversation (compacted):\n\n';

type Input = ResponsesRequest['input'];

/** Whether `input` holds one of the gateway's own compaction items (a scan, no allocation). */
export function hasSealedCompaction(input: Input | null | undefined): boolean {
  if (!Array.isArray(input)) return false;
  for (const item of input) if (item.type === 'compaction' && CompactionSealer.isSealed(item.encrypted_content)) return true;
  return false;
}

/**
 * `input` with each of the gateway's own compaction items opened and replaced
 * by a developer message holding its summary. An item that does not open
 * (altered, or sealed under another key) is a 400 naming it. Upstreams'
 * compaction items are left as they are.
 */
export async function expandCompactions(input: Input, sealer: CompactionSealer): Promise<Input> {
  if (!Array.isArray(input)) return input;
  const out: Exclude<Input, string> = [];
  for (let index = 0; index < input.length; index++) {
    const item = input[index]!;
    if (item.type !== 'compaction' || !CompactionSealer.isSealed(item.encrypted_content)) {
      out.push(item);
      continue;
    }
    let summary: string;
    try {
      summary = await sealer.open(item.encrypted_content);
    } catch (error) {
      const why = error instanceof SealError ? error.message : 'it could not be opened';
      const name = item.id ? ` ${quoteValue(item.id)}` : '';
      throw new InvalidRequestError(`The compaction item${name} at input[${index}] could not be opened: ${why}.`, {
        param: `input[${index}].encrypted_content`,
        code: 'invalid_encrypted_content',
      });
    }
    out.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: SUMMARY_PREFIX + summary }] });
  }
  return out;
}
