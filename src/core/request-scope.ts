import type { Context, Span } from '@opentelemetry/api';
import { Cancellation } from './cancellation.ts';
import type { LiveStreams } from './live-streams.ts';
import type { ClientAddress } from './client-address.ts';
import { ANONYMOUS, type Principal } from './principal.ts';

/** How a request ended: its response was fully sent, the client went away, or it failed mid-stream. */
export type Outcome = 'completed' | 'cancelled' | 'failed';

/** W3C trace-context headers for an upstream request. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** Work that must learn how the request ended (a model call whose stream is cut off by the client). */
export interface ScopeListener {
  scopeEnded(outcome: Outcome): void;
}

/**
 * One per request, from the first middleware to the last byte of the
 * response. Its controller is the request's cancellation: aborted when
 * the client disconnects, it aborts the upstream call. A streamed response
 * `defer()`s the end until its body is finished or cancelled; everything else
 * ends when the handler returns. What observers record at the end (method,
 * route, status, sizes) is kept here, so ending a request allocates nothing.
 */
export class RequestScope {
  readonly controller = new Cancellation();
  readonly startedAt = performance.now();
  /** Who the request acts for: anonymous until an authentication hook says otherwise. */
  principal: Principal = ANONYMOUS;
  /** The peer's address, when the runtime adapter passed it. */
  client: ClientAddress | undefined;
  /** Who the rate limiter counted the request against (its model call's usage is charged there); unset without limits. */
  limitIdentity: string | undefined;
  /** Headers every answer to this request carries, whatever its route answers (the `x-ratelimit-*` of its limit check). */
  responseHeaders: Record<string, string> | undefined;
  method = '';
  /** The URL path as requested. */
  path = '';
  /** Matched route template, e.g. `/v1/responses/:id`; `unmatched` when no route matched. */
  route = 'unmatched';
  status = 0;
  /** The request's Content-Length header, when it had one. */
  requestLength: string | null = null;
  /**
   * The answer made with every header the request context adds (see
   * jsonResponse): when it is the response, the context does not touch its headers.
   */
  answer: Response | undefined;
  /** The response's Content-Length header, when it has one. */
  responseLength: string | null = null;
  /** Request body bytes read (for bodies without Content-Length). */
  requestBytes = 0;
  /** Response body bytes streamed to the client. */
  responseBytes = 0;
  /** Milliseconds spent waiting for the upstream provider. */
  upstreamMs = 0;
  /**
   * The client's own time limit, when it sent one: `performance.now()` after
   * which it no longer waits, so no retry wait may end later.
   */
  deadline: number | undefined;
  /** With tracing on: the server span. */
  span: Span | undefined;
  /** Sampled: the context child spans are parented on (the server span's). */
  traceContext: Context | undefined;
  /**
   * Not sampled: `traceparent` (and `tracestate`) for the upstream, built once from the server
   * span's ids. No context is made, because no child span will ever be recorded under it.
   */
  traceHeaders: TraceHeaders | undefined;
  /** The error the request failed with, when it did (for the server span). */
  error: unknown;
  /** Where a streamed response registers for keep-alive comments and shutdown (the gateway's). */
  liveStreams: LiveStreams | undefined;
  /** Told when the request ends, before the observers are. */
  listener: ScopeListener | undefined;
  private deferredEnd = false;
  private outcome: Outcome | undefined;

  /** `finish` runs once, when the request ends; it is shared by all requests of a gateway. */
  constructor(
    readonly id: string,
    private readonly finish: (scope: RequestScope, outcome: Outcome) => void,
  ) {}

  /** The request's cancellation as an AbortSignal, made on first use (code that only asks `aborted` asks the controller). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The client went away, or the request was cancelled. */
  get aborted(): boolean {
    return this.controller.aborted;
  }

  get deferred(): boolean {
    return this.deferredEnd;
  }

  /** The response body outlives the handler: the caller promises to call `end`. */
  defer(): void {
    this.deferredEnd = true;
  }

  /** Ends the request exactly once; later calls are ignored. */
  end(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    if (outcome === 'cancelled' && !this.controller.aborted) {
      this.controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
    }
    this.listener?.scopeEnded(outcome);
    this.finish(this, outcome);
  }
}

/** `trace_id` and `span_id` of the request's server span, for log lines; nothing when tracing is off. */
export function traceFields(scope: RequestScope): { trace_id?: string; span_id?: string } {
  if (!scope.span) return {};
  const { traceId, spanId } = scope.span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
