import { makeUsage, type IncompleteReason, type Usage } from '../../canonical/types.ts';
import type { ResponsesAnswer, ResponsesUsage } from './responses-wire.ts';
import { tokens } from '../translation/shape.ts';

/** Upstream usage in the canonical shape, whatever details it left out. */
export function fromResponsesUsage(usage: ResponsesUsage | null | undefined): Usage {
  if (!usage || typeof usage !== 'object') return makeUsage(0, 0);
  return makeUsage(tokens(usage.input_tokens), tokens(usage.output_tokens), tokens(usage.input_tokens_details?.cached_tokens), tokens(usage.output_tokens_details?.reasoning_tokens));
}

/** Why an upstream response is incomplete, as the canonical model names it. */
export function incompleteReason(answer: ResponsesAnswer): IncompleteReason {
  return answer.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'max_output_tokens';
}
