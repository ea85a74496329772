import type { AuthFailure } from '../auth/auth-failure.ts';
import { rateLimitHeaders } from '../rate-limit/rate-limit-headers.ts';
import type { LimitKind, RateDecision } from '../rate-limit/rate-limiter.ts';
import { AuthenticationError, GatewayError, PermissionError, ServiceUnavailableError } from './gateway-error.ts';

/**
 * The errors of authentication and limits, in the OpenAI error shape. The
 * OpenAI SDKs choose their exception by status: 401 AuthenticationError,
 * 403 PermissionDeniedError, 429 RateLimitError.
 */

/**
 * 401: no credential, or one that does not check out. `WWW-Authenticate:
 * Bearer` says how to authenticate (RFC 6750), with `error="invalid_token"`
 * when a credential was sent. Sending it again cannot help.
 */
export class InvalidApiKeyError extends AuthenticationError {
  constructor(message: string, credentialSent: boolean) {
    super(message, {
      headers: {
        'www-authenticate': credentialSent ? 'Bearer realm="llm-gateway", error="invalid_token"' : 'Bearer realm="llm-gateway"',
        'x-should-retry': 'false',
      },
    });
  }
}

/** 403: the caller is known but its key may not use this model. */
export class ModelNotAllowedError extends PermissionError {
  constructor(model: string) {
    super(`This API key is not allowed to use the model '${model}'.`, {
      code: 'model_not_allowed',
      param: 'model',
      headers: { 'x-should-retry': 'false' },
    });
  }
}

const LIMIT_CODES: Record<LimitKind, string> = { requests: 'rate_limit_exceeded', tokens: 'tokens_exceeded', budget: 'budget_exceeded' };
const LIMIT_MESSAGES: Record<LimitKind, string> = {
  requests: 'Rate limit reached for requests.',
  tokens: 'Rate limit reached for tokens per minute.',
  budget: 'The daily budget of this API key is used up; it starts over at 00:00 UTC.',
};

/** 429: a limit of the gateway's own (not the upstream's), with Retry-After and the x-ratelimit-* headers. */
export class LimitExceededError extends GatewayError {
  readonly limit: LimitKind;

  constructor(limit: LimitKind, decision: RateDecision) {
    const retrySeconds = Math.max(1, Math.ceil((decision.retryAfterMs ?? 1000) / 1000));
    super(429, 'rate_limit_error', `${LIMIT_MESSAGES[limit]} Please try again in ${retrySeconds}s.`, {
      code: LIMIT_CODES[limit],
      headers: rateLimitHeaders(decision),
    });
    this.limit = limit;
  }
}

/** The client's error for an authentication failure: 401, or 503 when the identity provider is unreachable. */
export function authFailureError(failure: AuthFailure): GatewayError {
  if (failure.failure === 'unavailable') {
    return new ServiceUnavailableError(failure.message, { code: 'auth_unavailable', headers: { 'retry-after': '1' } });
  }
  return new InvalidApiKeyError(failure.message, failure.failure !== 'missing');
}

/** The client's error for a refused decision: 429 per limit, or 503 when the limiter is unreachable and fails closed. */
export function limitRefusalError(decision: RateDecision): GatewayError {
  if (decision.refused === 'unavailable' || decision.refused === undefined) {
    return new ServiceUnavailableError('The rate limiter is unavailable; try again later.', {
      code: 'rate_limit_unavailable',
      headers: rateLimitHeaders(decision),
    });
  }
  return new LimitExceededError(decision.refused, decision);
}
