import type { CallHook } from '../../src/pipeline/call-hook.ts';
import type { ModelCall } from '../../src/pipeline/model-call.ts';

/** What a call hook saw of one call at its end. */
export interface SeenEnd {
  api: ModelCall['api'];
  stream: boolean;
  status: ModelCall['status'];
  input: number | undefined;
  output: number | undefined;
  principal: string;
  error: unknown;
}

/** A call hook that records every call it sees; `refuse` makes `before` throw. */
export class RecordingCallHook implements CallHook {
  readonly befores: ModelCall[] = [];
  readonly afters: SeenEnd[] = [];

  constructor(private readonly refuse?: Error) {}

  before(call: ModelCall): void {
    this.befores.push(call);
    if (this.refuse) throw this.refuse;
  }

  after(call: ModelCall): void {
    this.afters.push({
      api: call.api,
      stream: call.stream,
      status: call.status,
      input: call.usage?.input_tokens,
      output: call.usage?.output_tokens,
      principal: call.scope.principal.id,
      error: call.error,
    });
  }
}
