import type { ProviderCall } from '../providers/provider.ts';
import type { RequestScope } from './request-scope.ts';

/**
 * What a provider gets to know about the request it serves: its cancellation,
 * the headers every upstream request carries, and (traced) the context its
 * span is parented on; the instrumentation adds `traceparent` from there.
 */
export function providerCall(scope: RequestScope): ProviderCall {
  // Built field by field: on Node 20's V8 a spread followed by more keys costs over a microsecond.
  const headers = { 'x-request-id': scope.id };
  return scope.traceContext ? { signal: scope.signal, headers, context: scope.traceContext } : { signal: scope.signal, headers };
}
