import type { AbortSource } from '../core/cancellation.ts';
import type { CanonicalEvent } from '../providers/provider.ts';
import type { Usage } from '../canonical/types.ts';
import { watchSource } from '../streaming/catch-stream-errors.ts';
import type { Pull, Source } from '../streaming/pull.ts';

export type StreamOutcome = 'success' | 'error' | 'cancelled';

/** What a metered stream measured, handed over exactly once. */
export interface StreamStats {
  outcome: StreamOutcome;
  /** performance.now() at the first event, or undefined if none came. */
  firstEventAt: number | undefined;
  endedAt: number;
  /** Text and argument deltas. */
  chunks: number;
  /** The last usage the provider reported (running totals), if any. */
  usage: Usage | undefined;
  finishReason: string | undefined;
  /** The upstream's model name, from its `done` event. */
  responseModel: string | undefined;
  error: unknown;
}

/**
 * Meters a provider's event stream on its way through: time of the first
 * event, chunk count, the last reported usage, and how it ended. It settles
 * exactly once: at `done` (success); at an upstream error or an end without
 * `done` (error); or when the consumer cancels or `signal` aborts because the
 * client went away (cancelled, with usage as far as the upstream reported it).
 *
 * It is also the stage that turns an upstream error into a final `error`
 * event (see catchPullErrors). A pull stage (see streaming/pull.ts): it
 * looks at each batch on its way and adds no stream hop, where a
 * TransformStream stage would cost about 1.4 µs per event on Node 20.
 */
export function meterStream(events: Source<CanonicalEvent>, signal: AbortSource, settle: (stats: StreamStats) => void): Pull<CanonicalEvent> {
  let firstEventAt: number | undefined;
  let chunks = 0;
  let usage: Usage | undefined;
  let settled = false;
  const finish = (outcome: StreamOutcome, details: { finishReason?: string; responseModel?: string; error?: unknown } = {}) => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', aborted);
    settle({ outcome, firstEventAt, endedAt: performance.now(), chunks, usage, finishReason: details.finishReason, responseModel: details.responseModel, error: details.error });
  };
  const aborted = { handleEvent: () => finish('cancelled', { error: signal.reason }) };
  if (signal.aborted) aborted.handleEvent();
  else signal.addEventListener('abort', aborted, { once: true });

  return watchSource(events, {
    batch(batch) {
      firstEventAt ??= performance.now();
      for (let i = 0; i < batch.length; i++) {
        const event = batch[i]!;
        switch (event.type) {
          case 'text.delta':
          case 'arguments.delta':
            chunks++;
            break;
          case 'usage':
            usage = event.usage;
            break;
          case 'done':
            finish('success', {
              finishReason: event.status === 'incomplete' ? (event.incomplete_reason ?? 'length') : 'stop',
              responseModel: event.model,
            });
            break;
          case 'error':
            finish('error', { error: event.error });
            break;
        }
      }
    },
    failed: (error) => finish('error', { error }),
    ended: () => finish('error', { error: new Error('The provider ended the stream before the response was complete.') }),
    cancelled: (reason) => finish('cancelled', { error: reason }),
  }) as Pull<CanonicalEvent>;
}
