import type { CanonicalEvent } from '../providers/provider.ts';
import { watchSource } from '../streaming/catch-stream-errors.ts';
import type { Pull, Source } from '../streaming/pull.ts';
import type { CallOutcome } from './circuit-breaker.ts';
import { breakerOutcome } from './failure-facts.ts';

/**
 * Passes a provider's event stream through unchanged and reports, exactly
 * once, how it ended for the breaker: `success` at `done`; a failure (or not,
 * for a client error) at an `error` event, a stream that errors, or one that
 * ends without `done`; `ignored` when the consumer cancels or `signal` aborts
 * (the client went away). An error is passed on as it is: once the first event
 * may have reached the client nothing is retried. A source that errors ends
 * with the gateway's in-band `error` event instead (as the stream meter does),
 * so no later stage needs a hop of its own to catch it. A pull stage (see
 * streaming/pull.ts), like the stream meter, not a TransformStream hop.
 */
export function watchStreamOutcome(events: Source<CanonicalEvent>, signal: AbortSignal, report: (outcome: CallOutcome) => void): Pull<CanonicalEvent> {
  let settled = false;
  const settle = (outcome: CallOutcome) => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', onAbort);
    report(outcome);
  };
  const onAbort = () => settle('ignored');
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  return watchSource(events, {
    batch(batch) {
      if (settled) return;
      for (let i = 0; i < batch.length; i++) {
        const event = batch[i]!;
        if (event.type === 'done') settle('success');
        else if (event.type === 'error') settle(breakerOutcome(event.error, signal));
      }
    },
    failed: (error) => settle(breakerOutcome(error, signal)),
    ended: () => settle('failure'),
    cancelled: () => settle('ignored'),
  }) as Pull<CanonicalEvent>;
}
