import type { CanonicalEvent, Provider, ProviderResult } from '../../src/providers/provider.ts';
import { makeUsage } from '../../src/canonical/types.ts';

export interface StreamScript {
  /** Events sent first. */
  events: CanonicalEvent[];
  /** Then: end (the events include `done`), fail with this error, or wait until cancelled. */
  then: 'end' | { error: Error } | 'hang';
}

/**
 * A provider that streams exactly the canonical events a test gives it, and
 * answers non-streamed calls with a fixed result; counts its calls.
 */
export class EventScriptProvider implements Provider {
  readonly type = 'scripted';
  calls = 0;

  constructor(
    readonly name: string,
    private readonly script: StreamScript,
  ) {}

  async generate(): Promise<ProviderResult> {
    this.calls++;
    return { output: [{ type: 'message', text: 'hi' }], usage: makeUsage(7, 11), status: 'completed' };
  }

  async stream(): Promise<ReadableStream<CanonicalEvent>> {
    this.calls++;
    const { events, then } = this.script;
    let next = 0;
    return new ReadableStream<CanonicalEvent>(
      {
        pull(controller) {
          if (next < events.length) return controller.enqueue(events[next++]!);
          if (then === 'end') return controller.close();
          if (then === 'hang') return new Promise<void>(() => {});
          controller.error(then.error);
        },
      },
      { highWaterMark: 0 },
    );
  }
}

/** A text answer of two deltas with usage 3 in / 5 out, before its `done`. */
export const TEXT_EVENTS: CanonicalEvent[] = [
  { type: 'message.start', index: 0 },
  { type: 'text.delta', index: 0, delta: 'Hello' },
  { type: 'text.delta', index: 0, delta: ' world' },
  { type: 'usage', usage: makeUsage(3, 5) },
];
