import type { CanonicalEvent, CanonicalRequest, Provider, ProviderCall, ProviderResult } from '../../src/providers/provider.ts';

/** What one call to a ScriptedProvider does. */
export type Step =
  | { fail: unknown }
  | { answer: string }
  /** `stream()` resolves, emits `events` text deltas, then the stream errors with `error`. */
  | { failAfter: number; error: unknown }
  /** Waits until the call's signal aborts, then rejects with its reason. */
  | { hang: true };

const OK: Step = { answer: 'ok' };

/**
 * An in-memory provider whose calls follow a script, one step per call (the
 * last step repeats), recording each call's upstream model id and whether its
 * signal aborted. For tests of the resilience composition without HTTP.
 */
export class ScriptedProvider implements Provider {
  readonly type = 'scripted';
  readonly requests: CanonicalRequest[] = [];
  readonly calls: ProviderCall[] = [];

  constructor(
    readonly name: string,
    private readonly script: readonly Step[] = [OK],
  ) {}

  get count(): number {
    return this.requests.length;
  }

  private next(request: CanonicalRequest, call: ProviderCall): Step {
    this.requests.push(request);
    this.calls.push(call);
    return this.script[Math.min(this.requests.length - 1, this.script.length - 1)] ?? OK;
  }

  async generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    const step = this.next(request, call);
    if ('fail' in step) throw step.fail;
    if ('hang' in step) return hang(call.signal);
    const text = 'answer' in step ? step.answer : 'partial';
    return { output: [{ type: 'message', text: `${this.name}: ${text}` }], usage: usage(), status: 'completed' };
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    const step = this.next(request, call);
    if ('fail' in step) throw step.fail;
    if ('hang' in step) return hang(call.signal);
    const events: CanonicalEvent[] = [{ type: 'message.start', index: 0 }];
    if ('answer' in step) {
      events.push({ type: 'text.delta', index: 0, delta: `${this.name}: ${step.answer}` }, { type: 'item.done', index: 0 }, { type: 'usage', usage: usage() }, { type: 'done', status: 'completed' });
    } else {
      for (let i = 0; i < step.failAfter; i++) events.push({ type: 'text.delta', index: 0, delta: `d${i} ` });
    }
    let i = 0;
    return new ReadableStream<CanonicalEvent>({
      pull(controller) {
        if (i < events.length) controller.enqueue(events[i++]!);
        else if ('failAfter' in step) controller.error(step.error);
        else controller.close();
      },
    });
  }
}

function usage() {
  return { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 };
}

function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
