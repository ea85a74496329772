import { principalRef } from './principal.ts';
import type { RequestScope } from './request-scope.ts';

/**
 * The owner a stored response gets, and must match to be read, deleted or
 * continued: the request's principal (`anonymous` without credentials, so
 * with authentication off everything is shared as before).
 */
export function ownerOf(scope: Pick<RequestScope, 'principal'>): string {
  return principalRef(scope.principal);
}
