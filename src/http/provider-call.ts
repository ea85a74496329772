import type { ProviderCall } from '../providers/provider.ts';
import type { RequestScope } from './request-scope.ts';

/**
 * What a provider gets to know about the request it serves: its cancellation,
 * the headers every upstream request carries, and (traced) the context its
 * span is parented on; the instrumentation adds `traceparent` from there.
 */
export function providerCall(scope: RequestScope): ProviderCall {
  const call = { signal: scope.signal, headers: { 'x-request-id': scope.id } };
  return scope.traceContext ? { ...call, context: scope.traceContext } : call;
}
