import { jsonResponse } from '../core/json-response.ts';

/**
 * One error hierarchy for everything the gateway answers with an error. Each
 * class fixes the HTTP status and the OpenAI error `type`; `code` and `param`
 * say what went wrong and where. `toResponse()` renders the OpenAI error shape:
 * `{"error":{"message","type","param","code"}}`.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'server_error';

export interface GatewayErrorOptions {
  code?: string | null;
  param?: string | null;
  cause?: unknown;
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, type: ErrorType, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.type = type;
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers;
  }

  toJSON(): { error: { message: string; type: ErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  toResponse(): Response {
    return jsonResponse(this.toJSON(), this.status, this.headers);
  }
}

/** 400: the request cannot be served as sent. */
export class InvalidRequestError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(400, 'invalid_request_error', message, options);
  }
}

/** 404: an unknown route, model or stored response. */
export class NotFoundError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(404, 'invalid_request_error', message, options);
  }
}

/** 405: a known route with another method. */
export class MethodNotAllowedError extends GatewayError {
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(405, 'invalid_request_error', `Method ${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, {
      code: 'method_not_allowed',
      headers: { allow: allowed.join(', ') },
    });
  }
}

/** 413: the body is larger than `server.max_request_body_size`. */
export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(413, 'invalid_request_error', `Request body is larger than the ${limit}-byte limit.`, {
      code: 'request_too_large',
      // Sending the same body again cannot succeed.
      headers: { 'x-should-retry': 'false' },
    });
  }
}

/** 415: the body is not JSON, or is encoded in a way the gateway does not decode. */
export class UnsupportedMediaTypeError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    // Sending the same body again cannot succeed.
    super(415, 'invalid_request_error', message, { code: 'unsupported_media_type', headers: { 'x-should-retry': 'false' }, ...options });
  }
}

/** 403: a browser's origin (CORS preflight) is not allowed. */
export class ForbiddenError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(403, 'permission_error', message, options);
  }
}

/** 429: the upstream's rate limit was hit; its `Retry-After` is passed on. */
export class RateLimitError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(429, 'rate_limit_error', message, { code: 'rate_limit_exceeded', ...options });
  }
}

/** 500: a bug or an unexpected failure inside the gateway. */
export class InternalServerError extends GatewayError {
  constructor(message = 'The gateway failed to process the request.', options?: GatewayErrorOptions) {
    super(500, 'server_error', message, options);
  }
}

/** 502: the upstream provider failed or answered with something unusable. */
export class UpstreamError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(502, 'server_error', message, { code: 'upstream_error', ...options });
  }
}

/** 503: the gateway cannot serve this now (a provider overloaded or disabled, shutting down). */
export class ServiceUnavailableError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(503, 'server_error', message, { code: 'service_unavailable', ...options });
  }
}

/** Which time limit ended an upstream call: `timeout_ms`, `stream_idle_timeout_ms` or `stream_max_duration_ms`. */
export type TimeLimit = 'timeout' | 'idle_timeout' | 'max_duration';

/**
 * 503: the conversation store could not be reached in time. Temporary: the
 * client may retry. The message names the backend only; `reason` (for logs
 * and readiness) says what failed, never with credentials.
 */
export class StoreUnavailableError extends GatewayError {
  constructor(
    readonly backend: string,
    readonly reason: string,
    options?: GatewayErrorOptions,
  ) {
    super(503, 'server_error', `The conversation store (${backend}) is unavailable; try again later.`, { code: 'store_unavailable', ...options });
  }
}

/** 504: the upstream provider did not answer in time. */
export class GatewayTimeoutError extends GatewayError {
  /** The limit that fired, when the gateway's own limit did (not an upstream 408/504). */
  readonly limit: TimeLimit | undefined;

  constructor(message: string, options?: GatewayErrorOptions & { limit?: TimeLimit }) {
    super(504, 'server_error', message, { code: 'upstream_timeout', ...options });
    this.limit = options?.limit;
  }
}

/** Anything thrown becomes a GatewayError; unknown failures are a 500 that keeps the cause. */
export function toGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new InternalServerError(undefined, { cause: error });
}

/** Status for a request whose client went away before the answer was ready (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** The answer to a request whose client has gone: nobody reads it, but logs and metrics see 499. */
export function clientClosedRequest(): Response {
  return new GatewayError(CLIENT_CLOSED_REQUEST, 'invalid_request_error', 'The client closed the connection.', { code: 'client_closed_request' }).toResponse();
}

/** 401: the request carries no credentials, or ones the gateway does not accept. Says how to authenticate. */
export class AuthenticationError extends GatewayError {
  constructor(message = 'Missing or invalid credentials.', options: GatewayErrorOptions = {}) {
    super(401, 'authentication_error', message, {
      code: 'invalid_api_key',
      ...options,
      headers: { 'www-authenticate': 'Bearer', ...options.headers },
    });
  }
}

/** 403: the principal is known but may not do this (a model, an endpoint, another owner's response). */
export class PermissionError extends GatewayError {
  constructor(message = 'The credentials used do not allow this request.', options?: GatewayErrorOptions) {
    super(403, 'permission_error', message, { code: 'permission_denied', ...options });
  }
}
