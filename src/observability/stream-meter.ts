import type { CanonicalEvent } from '../providers/provider.ts';
import type { Usage } from '../responses/types.ts';

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
 * A pass-through stage over canonical events that measures the stream: time
 * of the first event, chunk count, the last reported usage and how it ended.
 * It settles exactly once: at `done` (success), at an `error` event or an end
 * without `done` (error), or when `signal` aborts first because the client
 * went away (cancelled, with usage as far as the upstream reported it).
 * The stream it reads must be error-safe (see catchStreamErrors).
 */
export class StreamMeter extends TransformStream<CanonicalEvent, CanonicalEvent> {
  constructor(signal: AbortSignal, settle: (stats: StreamStats) => void) {
    let firstEventAt: number | undefined;
    let chunks = 0;
    let usage: Usage | undefined;
    let settled = false;
    const finish = (outcome: StreamOutcome, details: { finishReason?: string; responseModel?: string; error?: unknown } = {}) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      settle({ outcome, firstEventAt, endedAt: performance.now(), chunks, usage, finishReason: details.finishReason, responseModel: details.responseModel, error: details.error });
    };
    const onAbort = () => finish('cancelled', { error: signal.reason });
    signal.addEventListener('abort', onAbort, { once: true });
    super({
      transform(event, controller) {
        firstEventAt ??= performance.now();
        switch (event.type) {
          case 'text.delta':
          case 'arguments.delta':
            chunks++;
            break;
          case 'usage':
            usage = event.usage;
            break;
          case 'done':
            finish('success', { finishReason: event.status === 'incomplete' ? (event.incomplete_reason ?? 'length') : 'stop', responseModel: event.model });
            break;
          case 'error':
            finish('error', { error: event.error });
            break;
        }
        controller.enqueue(event);
      },
      flush() {
        finish('error', { error: new Error('The provider ended the stream before the response was complete.') });
      },
    });
    if (signal.aborted) onAbort();
  }
}
