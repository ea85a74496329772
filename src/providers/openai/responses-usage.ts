import { makeUsage, type IncompleteReason, type Usage } from '../../canonical/types.ts';
import type { ResponsesAnswer, ResponsesUsage } from './responses-wire.ts';

/** Upstream usage in the canonical shape, whatever details it left out. */
export function fromResponsesUsage(usage: ResponsesUsage | null | undefined): Usage {
  if (!usage) return makeUsage(0, 0);
  return makeUsage(usage.input_tokens ?? 0, usage.output_tokens ?? 0, usage.input_tokens_details?.cached_tokens ?? 0, usage.output_tokens_details?.reasoning_tokens ?? 0);
}

/** Why an upstream response is incomplete, as the canonical model names it. */
export function incompleteReason(answer: ResponsesAnswer): IncompleteReason {
  return answer.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'max_output_tokens';
}
