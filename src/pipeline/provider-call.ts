import type { ProviderCall } from '../providers/provider.ts';
import { CancellableCall } from '../providers/cancellable-call.ts';
import type { RequestScope } from '../core/request-scope.ts';

/**
 * What a provider gets to know about the request it serves: its cancellation,
 * the headers every upstream request carries, and, when the request is
 * sampled, the context its span is parented on (the instrumentation adds
 * `traceparent` for that span). An unsampled request's `traceparent` is
 * already among the headers.
 */
export function providerCall(scope: RequestScope): ProviderCall {
  // Built field by field: on Node 20's V8 a spread followed by more keys costs over a microsecond.
  const headers: Record<string, string> = { 'x-request-id': scope.id };
  if (scope.traceContext) return new CancellableCall(scope.controller, headers, scope.traceContext);
  const trace = scope.traceHeaders;
  if (trace) {
    headers.traceparent = trace.traceparent;
    if (trace.tracestate) headers.tracestate = trace.tracestate;
  }
  return new CancellableCall(scope.controller, headers, undefined);
}
