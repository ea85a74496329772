import type { ProviderCall } from '../providers/provider.ts';
import type { RequestScope } from './request-scope.ts';

/** What a provider gets to know about the request it serves: its cancellation and the headers every upstream request carries. */
export function providerCall(scope: RequestScope): ProviderCall {
  return { signal: scope.signal, headers: { 'x-request-id': scope.id } };
}
