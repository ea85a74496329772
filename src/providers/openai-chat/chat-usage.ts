import { makeUsage, type Usage } from '../../canonical/types.ts';
import type { ChatUsage } from './chat-wire.ts';
import { tokens } from '../translation/shape.ts';

/** Chat Completions usage → canonical (cached and reasoning tokens are part of the totals in both). */
export function fromChatUsage(usage: ChatUsage): Usage {
  return makeUsage(
    tokens(usage.prompt_tokens),
    tokens(usage.completion_tokens),
    tokens(usage.prompt_tokens_details?.cached_tokens),
    tokens(usage.completion_tokens_details?.reasoning_tokens),
  );
}

/** Canonical usage → Chat Completions. */
export function toChatUsage(usage: Usage): Required<ChatUsage> {
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: { cached_tokens: usage.input_tokens_details.cached_tokens },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details.reasoning_tokens },
  };
}
