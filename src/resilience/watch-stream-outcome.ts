import type { CanonicalEvent } from '../providers/provider.ts';
import { watchSource, type StreamWatcher } from '../streaming/catch-stream-errors.ts';
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
  return watchSource(events, new OutcomeWatcher(signal, report)) as Pull<CanonicalEvent>;
}

/** Its own watcher and abort listener: watching a stream makes no closures. */
class OutcomeWatcher implements StreamWatcher<CanonicalEvent> {
  private settled = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly report: (outcome: CallOutcome) => void,
  ) {
    if (signal.aborted) this.handleEvent();
    else signal.addEventListener('abort', this, { once: true });
  }

  /** The client went away. */
  handleEvent(): void {
    this.settle('ignored');
  }

  batch(batch: CanonicalEvent[]): void {
    if (this.settled) return;
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i]!;
      if (event.type === 'done') this.settle('success');
      else if (event.type === 'error') this.settle(breakerOutcome(event.error, this.signal));
    }
  }

  failed(error: unknown): void {
    this.settle(breakerOutcome(error, this.signal));
  }

  ended(): void {
    this.settle('failure');
  }

  cancelled(): void {
    this.settle('ignored');
  }

  private settle(outcome: CallOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this);
    this.report(outcome);
  }
}
