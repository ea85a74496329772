import { makeUsage, type IncompleteReason, type Usage } from '../../canonical/types.ts';
import type { FinishStatus } from '../provider.ts';
import type { GeminiUsage } from './gemini-wire.ts';
import { tokens } from '../translation/shape.ts';

/** Gemini's usage → canonical: thinking tokens are output tokens (OpenAI counts reasoning in `output_tokens`). */
export function fromGeminiUsage(usage: GeminiUsage | undefined): Usage {
  const thoughts = tokens(usage?.thoughtsTokenCount);
  return makeUsage(tokens(usage?.promptTokenCount), tokens(usage?.candidatesTokenCount) + thoughts, tokens(usage?.cachedContentTokenCount), thoughts);
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** A `finishReason` as a canonical status: the token limit and the content filters cut the answer short. */
export function fromFinishReason(reason: string | undefined): { status: FinishStatus; incomplete_reason?: IncompleteReason } {
  if (reason === 'MAX_TOKENS') return { status: 'incomplete', incomplete_reason: 'max_output_tokens' };
  if (reason !== undefined && FILTERED.has(reason)) return { status: 'incomplete', incomplete_reason: 'content_filter' };
  return { status: 'completed' };
}

/** Gemini's function calls usually come without ids; Responses needs a call_id to pair the result with. */
export function newCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}
