import type { IncompleteReason } from '../../canonical/types.ts';
import type { FinishStatus } from '../provider.ts';

/** A Chat Completions `finish_reason` as a canonical status: a cut-off (length, content filter) is incomplete. */
export function fromChatFinish(reason: string | null | undefined): { status: FinishStatus; incomplete_reason?: IncompleteReason } {
  if (reason === 'length') return { status: 'incomplete', incomplete_reason: 'max_output_tokens' };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_reason: 'content_filter' };
  return { status: 'completed' };
}
