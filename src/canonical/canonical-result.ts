import type { IncompleteReason, Usage } from './types.ts';

/** A finished output item as a provider reports it; the gateway assigns ids. */
export type ProviderOutput =
  | { type: 'message'; text: string }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'reasoning'; text: string };

export type FinishStatus = 'completed' | 'incomplete';

/** The complete result of a non-streamed call. */
export interface ProviderResult {
  output: ProviderOutput[];
  usage: Usage;
  status: FinishStatus;
  incomplete_reason?: IncompleteReason;
  /** The model the upstream says answered, when it says. */
  model?: string;
  /** A compaction call answered by the upstream's own compaction: its item, passed on unchanged. */
  compaction?: { id: string; encrypted_content: string };
}
