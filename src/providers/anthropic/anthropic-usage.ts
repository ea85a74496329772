import { makeUsage, type IncompleteReason, type Usage } from '../../canonical/types.ts';
import type { FinishStatus } from '../provider.ts';
import type { AnthropicUsage } from './anthropic-wire.ts';
import { tokens } from '../translation/shape.ts';

/**
 * Anthropic usage → canonical. Anthropic counts cached input apart from
 * `input_tokens`; OpenAI's `input_tokens` includes it, with the cache reads
 * as `cached_tokens`.
 */
export function fromAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = tokens(usage.cache_read_input_tokens);
  const input = tokens(usage.input_tokens) + tokens(usage.cache_creation_input_tokens) + cacheRead;
  return makeUsage(input, tokens(usage.output_tokens), cacheRead);
}

/** A `stop_reason` as a canonical status: a token limit or a refusal cuts the answer short. */
export function fromStopReason(reason: string | null | undefined): { status: FinishStatus; incomplete_reason?: IncompleteReason } {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { status: 'incomplete', incomplete_reason: 'max_output_tokens' };
    case 'refusal':
      return { status: 'incomplete', incomplete_reason: 'content_filter' };
    default:
      return { status: 'completed' };
  }
}
