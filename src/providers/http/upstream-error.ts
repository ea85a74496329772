import {
  GatewayError,
  GatewayTimeoutError,
  RateLimitError,
  ServiceUnavailableError,
  UpstreamError,
} from '../../errors/gateway-error.ts';

/**
 * The one mapping from an upstream's failure to what the client sees. It reads
 * the error shapes of every upstream by their structure, not by who sent them:
 * OpenAI's `{error:{message,type,code,param}}`, Anthropic's
 * `{type:"error",error:{type,message}}`, Gemini's `{error:{code,message,status}}`
 * (sometimes inside a list), and the bare strings some OpenAI-compatible
 * servers send (`{"error":"model not found"}`).
 *
 * - 400/404/413/422: the request itself was refused; the client can fix it, so
 *   it keeps the status (422 becomes 400) and retrying is pointless;
 * - 401/403 and other 4xx: the gateway's own credentials or account: 502;
 * - 408/504: 504; 429: 429 with `Retry-After`; 503/529 (overloaded): 503;
 * - other 5xx: 502 `upstream_error`.
 * Every message names the provider and never contains the configured key.
 */
export function upstreamError(provider: string, status: number, body: string, headers: Headers | undefined, secrets: readonly string[]): GatewayError {
  const detail = errorDetail(body);
  const message = redact(detail.message, secrets);
  const retryHeaders = pick(headers, ['retry-after', 'retry-after-ms']);
  const noRetry = { 'x-should-retry': 'false' };
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      return new GatewayError(status === 422 ? 400 : status, 'invalid_request_error', `Provider '${provider}' rejected the request: ${message}`, {
        code: detail.code,
        param: detail.param,
        headers: noRetry,
      });
    case 401:
    case 403:
      return new UpstreamError(`Provider '${provider}' refused the gateway's credentials (HTTP ${status}): ${message}`, { headers: noRetry });
    case 408:
    case 504:
      return new GatewayTimeoutError(`Provider '${provider}' timed out (HTTP ${status}): ${message}`);
    case 429:
      return new RateLimitError(`Provider '${provider}' is rate limiting requests: ${message}`, { headers: retryHeaders });
    case 503:
    case 529:
      return new ServiceUnavailableError(`Provider '${provider}' is overloaded or unavailable (HTTP ${status}): ${message}`, {
        code: 'upstream_overloaded',
        headers: retryHeaders,
      });
  }
  if (status >= 500) return new UpstreamError(`Provider '${provider}' failed (HTTP ${status}): ${message}`);
  return new UpstreamError(`Provider '${provider}' refused the request (HTTP ${status}): ${message}`, { headers: noRetry });
}

/** Statuses for the error `type`s upstreams put in error events sent mid-stream. */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  RESOURCE_EXHAUSTED: 429,
  timeout_error: 504,
  DEADLINE_EXCEEDED: 504,
  overloaded_error: 529,
  UNAVAILABLE: 503,
};

/**
 * An error an upstream reported inside a stream (an `error` event, or an
 * `error` object in a data payload) as a GatewayError, its status inferred
 * from the error's type or code.
 */
export function upstreamEventError(provider: string, payload: unknown, secrets: readonly string[]): GatewayError {
  const error = errorObject(payload);
  const code = error?.code;
  const status =
    typeof code === 'number' && code >= 400
      ? code
      : (STATUS_OF_TYPE[String(error?.type)] ?? STATUS_OF_TYPE[String(error?.status)] ?? STATUS_OF_TYPE[String(code)] ?? 500);
  return upstreamError(provider, status, JSON.stringify(payload), undefined, secrets);
}

/** An answer the gateway could not make sense of (invalid JSON, a shape it does not know): a 502. */
export function unreadable(provider: string, error: unknown, what: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new UpstreamError(`Provider '${provider}' sent ${what} the gateway could not read (${detail}).`, { cause: error });
}

/** Replaces every occurrence of a secret (an API key) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4 && out.includes(secret)) out = out.replaceAll(secret, '[redacted]');
  return out;
}

interface ErrorDetail {
  message: string;
  code: string | null;
  param: string | null;
}

const MAX_MESSAGE = 1_000;

function errorDetail(body: string): ErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { message: text === '' ? 'no error details' : truncate(text), code: null, param: null };
  }
  const error = errorObject(parsed);
  const bare = parsed && typeof parsed === 'object' && 'error' in parsed ? (parsed as { error: unknown }).error : undefined;
  const message =
    typeof error?.message === 'string' ? error.message : typeof bare === 'string' ? bare : truncate(body.trim());
  return {
    message: truncate(message),
    code: typeof error?.code === 'string' ? error.code : null,
    param: typeof error?.param === 'string' ? error.param : null,
  };
}

type ErrorObject = { message?: unknown; type?: unknown; code?: unknown; param?: unknown; status?: unknown };

/** The `error` object of an error body; Gemini's streaming endpoint wraps it in a list. */
function errorObject(value: unknown): ErrorObject | undefined {
  const root = Array.isArray(value) ? value[0] : value;
  if (!root || typeof root !== 'object') return undefined;
  const error = (root as { error?: unknown }).error;
  return error && typeof error === 'object' ? (error as ErrorObject) : undefined;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

function pick(headers: Headers | undefined, names: readonly string[]): Record<string, string> | undefined {
  if (!headers) return undefined;
  let out: Record<string, string> | undefined;
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) (out ??= {})[name] = value;
  }
  return out;
}
