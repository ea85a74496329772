import { makeUsage } from '../../src/canonical/types.ts';
import type { CanonicalEvent, Provider, ProviderResult } from '../../src/providers/provider.ts';

/** A provider that answers at once with a fixed short reply, whatever it is asked: the gateway's own work is all there is. */
export class InstantProvider implements Provider {
  readonly type = 'instant';
  constructor(readonly name: string) {}

  generate(): Promise<ProviderResult> {
    return Promise.resolve({ output: [{ type: 'message', text: 'ok' }], usage: makeUsage(1, 1), status: 'completed' });
  }

  stream(): Promise<ReadableStream<CanonicalEvent>> {
    const events: CanonicalEvent[] = [
      { type: 'message.start', index: 0 },
      { type: 'text.delta', index: 0, delta: 'ok' },
      { type: 'item.done', index: 0 },
      { type: 'usage', usage: makeUsage(1, 1) },
      { type: 'done', status: 'completed' },
    ];
    return Promise.resolve(
      new ReadableStream<CanonicalEvent>({
        start(controller) {
          for (const event of events) controller.enqueue(event);
          controller.close();
        },
      }),
    );
  }
}
