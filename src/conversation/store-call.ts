import type { Context } from '@opentelemetry/api';
import type { StoreCall } from './store.ts';

/** The owner of responses created without credentials. */
export const ANONYMOUS_OWNER = 'anonymous';

/** The store call for a request: its principal (anonymous until authentication sets one) and trace context. */
export function storeCall(scope: { readonly traceContext: Context | undefined }): StoreCall {
  return { owner: ANONYMOUS_OWNER, context: scope.traceContext };
}
