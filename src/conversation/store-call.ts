import type { Context } from '@opentelemetry/api';
import type { Principal } from '../core/principal.ts';
import type { StoreCall } from './store.ts';

/** The owner of responses created without credentials. */
export const ANONYMOUS_OWNER = 'anonymous';

/**
 * The store call for a request: its owner and trace context. The owner is the
 * principal's kind and id (`api_key:team-a`, `oidc:<subject>`), so an API key
 * and an OIDC subject that happen to share an id never own each other's
 * responses; every caller without credentials is the one anonymous owner.
 */
export function storeCall(scope: { readonly traceContext: Context | undefined; readonly principal: Principal }): StoreCall {
  const { principal } = scope;
  return { owner: principal.kind === 'anonymous' ? ANONYMOUS_OWNER : `${principal.kind}:${principal.id}`, context: scope.traceContext };
}
