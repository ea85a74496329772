import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { FinishStatus } from '../canonical/canonical-result.ts';
import type { Usage } from '../canonical/types.ts';
import type { Outcome, RequestScope, ScopeListener } from '../core/request-scope.ts';
import type { Route } from '../providers/model-router.ts';

/** The client API a call came in on. */
export type CallApi = 'responses' | 'chat_completions';

/**
 * How a call ended: the provider's finish status, `failed` (an upstream or
 * gateway error, also mid-stream), `cancelled` (the client went away) or
 * `refused` (a `before` hook said no).
 */
export type CallStatus = FinishStatus | 'failed' | 'cancelled' | 'refused';

/** What ends a call: the pipeline, which logs it and runs the `after` hooks. */
export interface CallSettler {
  settle(call: ModelCall, status: CallStatus, failure?: unknown): void;
}

/**
 * One model call, from its resolved route to its end: what hooks see, and
 * where a stream encoder reports the usage it sees and the terminal event it
 * sends. Made once per call, so nothing per call needs a closure.
 */
export class ModelCall implements ScopeListener {
  /** The usage reported so far (a running total); final once the call has ended. */
  usage: Usage | null = null;
  /** Set when the call has ended. */
  status: CallStatus | undefined;
  /** Why the call failed or was refused. */
  error: unknown;
  /** `performance.now()` when the provider was called; 0 before. */
  upstreamStart = 0;
  /** The provider answered (a result, or a stream that started): the call is logged when it ends. */
  answered = false;
  /** The provider that answered, when the route may call several (retries, targets, fallbacks). */
  answeredBy: string | undefined;
  /**
   * Headers the call adds to its answer (JSON or SSE), in order; unset until
   * one is added. Any call policy may append to it before the answer is built.
   */
  responseHeaders: [string, string][] | undefined;

  constructor(
    private readonly settler: CallSettler,
    readonly api: CallApi,
    readonly scope: RequestScope,
    readonly route: Route,
    readonly request: CanonicalRequest,
    readonly stream: boolean,
  ) {}

  /** Ends the call; later calls are ignored. A stream encoder calls it at its terminal event. */
  end(status: CallStatus, failure?: unknown): void {
    this.settler.settle(this, status, failure);
  }

  /** The request ended first (the client went away mid-stream, or the stream broke off). */
  scopeEnded(outcome: Outcome): void {
    if (this.status !== undefined) return;
    this.end(outcome === 'cancelled' ? 'cancelled' : 'failed', outcome === 'cancelled' ? undefined : new Error('The stream ended before its terminal event.'));
  }
}
