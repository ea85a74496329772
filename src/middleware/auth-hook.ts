import type { AuthFailureReason } from '../auth/auth-failure.ts';
import { isAuthFailure } from '../auth/auth-failure.ts';
import type { Authenticator } from '../auth/create-authenticator.ts';
import { authFailureError } from '../errors/access-errors.ts';
import type { CounterChild } from '../observability/metrics/counter-family.ts';
import type { RequestHook } from './request-hook.ts';

/**
 * The authentication hook: the verified identity becomes `scope.principal`;
 * a request without a valid credential is refused with 401 and
 * `WWW-Authenticate` (503 when the identity provider cannot be reached),
 * counted by reason. The credential itself goes nowhere but the verifier.
 */
export function authHook(authenticator: Authenticator, failures?: Readonly<Record<AuthFailureReason, CounterChild>>): RequestHook {
  return async function authenticate(scope, c) {
    const result = await authenticator.authenticate(c.req.raw.headers);
    if (isAuthFailure(result)) {
      failures?.[result.failure].inc();
      throw authFailureError(result);
    }
    scope.principal = result;
  };
}
