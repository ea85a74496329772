import type { Context, Span } from '@opentelemetry/api';

/** How a request ended: its response was fully sent, the client went away, or it failed mid-stream. */
export type Outcome = 'completed' | 'cancelled' | 'failed';

type EndListener = (outcome: Outcome) => void;

/**
 * One per request, from the first middleware to the last byte of the
 * response. Its AbortController is the request's cancellation: aborted when
 * the client disconnects, it aborts the upstream call. A streamed response
 * `defer()`s the end until its body is finished or cancelled; everything else
 * ends when the handler returns.
 */
export class RequestScope {
  readonly controller = new AbortController();
  readonly startedAt = performance.now();
  /** Matched route template, e.g. `/v1/responses/:id`; `unmatched` when no route matched. */
  route = 'unmatched';
  /** Request body bytes read (for bodies without Content-Length). */
  requestBytes = 0;
  /** Response body bytes streamed to the client. */
  responseBytes = 0;
  /** Milliseconds spent waiting for the upstream provider. */
  upstreamMs = 0;
  /** With tracing on: the server span and the context to parent child spans on. */
  span: Span | undefined;
  traceContext: Context | undefined;
  /** The error the request failed with, when it did (for the server span). */
  error: unknown;
  private deferredEnd = false;
  private outcome: Outcome | undefined;
  private listeners: EndListener[] = [];

  constructor(readonly id: string) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get deferred(): boolean {
    return this.deferredEnd;
  }

  /** The response body outlives the handler: the caller promises to call `end`. */
  defer(): void {
    this.deferredEnd = true;
  }

  /** Runs `listener` when the request ends (at once if it already has). */
  onEnd(listener: EndListener): void {
    if (this.outcome) listener(this.outcome);
    else this.listeners.push(listener);
  }

  /** Runs the end listeners exactly once; later calls are ignored. */
  end(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    if (outcome === 'cancelled' && !this.controller.signal.aborted) {
      this.controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
    }
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(outcome);
  }
}

/** `trace_id` and `span_id` of the request's server span, for log lines; nothing when tracing is off. */
export function traceFields(scope: RequestScope): { trace_id?: string; span_id?: string } {
  if (!scope.span) return {};
  const { traceId, spanId } = scope.span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
