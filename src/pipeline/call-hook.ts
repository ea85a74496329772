import type { ModelCall } from './model-call.ts';

/**
 * Policy around every model call, whichever API it came from. `before` runs
 * once the route is resolved and the canonical request built, before the
 * provider is called: it may refuse the call by throwing a GatewayError
 * (a model the principal may not use, a spent budget). `after` runs exactly
 * once per call whose `before` hooks ran, when the call has ended, with
 * `call.status` and the final `call.usage` set: for answers, failures,
 * cancelled streams and refusals alike (usage accounting, limit charging).
 * `after` must not throw; a promise it returns is not awaited, and its
 * rejection is logged.
 */
export interface CallHook {
  before?(call: ModelCall): void | Promise<void>;
  after?(call: ModelCall): void | Promise<unknown>;
}
