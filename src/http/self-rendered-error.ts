import {
  AuthenticationError,
  GatewayError,
  InternalServerError,
  PermissionError,
  RateLimitError,
  type ErrorType,
} from '../errors/gateway-error.ts';

/** An error that carries its own HTTP answer, as Hono's `HTTPException` (thrown by bearer-auth, jwk, body-limit, timeout) does. */
export interface SelfRenderingError extends Error {
  getResponse(): Response;
}

export function isSelfRendering(error: unknown): error is SelfRenderingError {
  return error instanceof Error && 'getResponse' in error && typeof error.getResponse === 'function';
}

/** Said when the error has no message of its own (Hono's middleware often throws with only a status). */
const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'The request is invalid.',
  401: 'Missing or invalid credentials.',
  403: 'The credentials used do not allow this request.',
  408: 'The request took too long.',
  413: 'The request body is too large.',
  429: 'Too many requests.',
  503: 'The gateway cannot serve this request now.',
  504: 'The request took too long.',
};

/**
 * The same answer in the OpenAI error shape: the error's status and its
 * headers (`WWW-Authenticate`, `Retry-After`) are kept, its plain-text body is
 * not. A status outside 400-599 is a bug in whoever threw it: a 500.
 */
export function fromSelfRendering(error: SelfRenderingError): GatewayError {
  const response = error.getResponse();
  const status = response.status;
  if (status < 400 || status > 599) return new InternalServerError(undefined, { cause: error });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'content-type' && name !== 'content-length') headers[name] = value;
  });
  const message = error.message || DEFAULT_MESSAGES[status] || `The request failed with status ${status}.`;
  const options = { headers, cause: error };
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new PermissionError(message, options);
  if (status === 429) return new RateLimitError(message, options);
  const type: ErrorType = status >= 500 ? 'server_error' : 'invalid_request_error';
  return new GatewayError(status, type, message, options);
}
