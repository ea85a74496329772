import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { TraceHeaders } from '../../core/request-scope.ts';

export type { TraceHeaders };

/**
 * `traceparent` (and `tracestate`, when there is one) naming `spanContext` as
 * the parent. Built directly rather than through the W3C propagator: the ids
 * are our own spans', valid by construction, and the propagator would build a
 * context and check both ids with regular expressions on every request.
 */
export function traceHeaders(spanContext: SpanContext): TraceHeaders {
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
