import type { FinishStatus } from './canonical-result.ts';
import type { IncompleteReason, Usage } from './types.ts';

/**
 * Stream events a provider emits, in order. Items are numbered by `index`
 * (0, 1, … in the order they start); text and argument deltas belong to the
 * started item with that index. `usage` may come several times (running
 * totals): the last one counts. Exactly one `done` ends a successful stream; a
 * stream that fails errors instead (the gateway turns that into a terminal
 * `response.failed`).
 */
export type CanonicalEvent =
  | { type: 'message.start'; index: number }
  | { type: 'reasoning.start'; index: number }
  | { type: 'function_call.start'; index: number; call_id: string; name: string }
  | { type: 'text.delta'; index: number; delta: string }
  | { type: 'arguments.delta'; index: number; delta: string }
  | { type: 'item.done'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'done'; status: FinishStatus; incomplete_reason?: IncompleteReason; model?: string }
  /** Added by the gateway when the provider's stream errors; providers do not emit it. */
  | { type: 'error'; error: unknown };
