/**
 * Why a request was not authenticated. The reasons are a closed set, so they
 * can be a metric label (`auth_failures_total{reason}`).
 */
export const AUTH_FAILURE_REASONS = [
  /** No credential at all. */
  'missing',
  /** Not a credential the gateway can read: another scheme, too long, two different ones. */
  'malformed',
  /** A well-formed API key that is not configured. */
  'unknown_key',
  /** A JWT whose signature, algorithm, issuer, audience or claims do not check out. */
  'invalid_token',
  /** A JWT past its `exp` (beyond the clock skew). */
  'expired',
  /** A JWT before its `nbf` (beyond the clock skew). */
  'not_yet_valid',
  /** The issuer's discovery document or keys could not be fetched: not the caller's fault. */
  'unavailable',
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export interface AuthFailure {
  readonly failure: AuthFailureReason;
  /** For the client: says what is wrong, never echoes the credential. */
  readonly message: string;
}

export function authFailure(failure: AuthFailureReason, message: string): AuthFailure {
  return { failure, message };
}

export function isAuthFailure(result: object): result is AuthFailure {
  return 'failure' in result;
}
