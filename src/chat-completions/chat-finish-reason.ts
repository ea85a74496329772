import { randomHex } from '../core/random-hex.ts';
import type { FinishStatus } from '../providers/provider.ts';
import type { IncompleteReason } from '../canonical/types.ts';

/** The `finish_reason` a Chat Completions client expects for a canonical outcome. */
export function chatFinishReason(status: FinishStatus, reason: IncompleteReason | undefined, calledTools: boolean): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  if (status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** Chat completion ids look like OpenAI's: `chatcmpl-` and random characters. */
export function chatCompletionId(): string {
  return `chatcmpl-${randomHex(32)}`;
}
