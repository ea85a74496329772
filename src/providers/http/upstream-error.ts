import { GatewayError } from '../../errors/gateway-error.ts';
import { UpstreamFailure, type UpstreamDetail } from '../../errors/upstream-failure.ts';

/**
 * An upstream's error answer as an UpstreamFailure. It reads the error shapes
 * of every upstream by their structure, not by who sent them: OpenAI's
 * `{error:{message,type,code,param}}`, Anthropic's
 * `{type:"error",error:{type,message}}`, Gemini's `{error:{code,message,status}}`
 * (sometimes inside a list), and the bare strings some OpenAI-compatible
 * servers send (`{"error":"model not found"}`). What the client sees is
 * decided by UpstreamFailure; the secrets are redacted there.
 */
export function upstreamError(provider: string, status: number, body: string, headers: Headers | undefined, secrets: readonly string[]): UpstreamFailure {
  return UpstreamFailure.http(provider, status, errorDetail(body), headers, secrets);
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
 * `error` object in a data payload), its status inferred from the error's
 * type or code (500 when neither says).
 */
export function upstreamEventError(provider: string, payload: unknown, secrets: readonly string[]): UpstreamFailure {
  const error = errorObject(payload);
  const code = error?.code;
  const status =
    typeof code === 'number' && code >= 400 && code <= 599
      ? code
      : (STATUS_OF_TYPE[String(error?.type)] ?? STATUS_OF_TYPE[String(error?.status)] ?? STATUS_OF_TYPE[String(code)] ?? 500);
  return UpstreamFailure.reported(provider, status, detailOf(payload, JSON.stringify(payload) ?? ''), secrets);
}

/**
 * An answer the gateway could not make sense of (invalid JSON, a shape it
 * does not know): a 502. A GatewayError passes as it is. A parser's own
 * message is not quoted (it repeats the text around the error).
 */
export function unreadable(provider: string, error: unknown, what: string, secrets: readonly string[]): GatewayError {
  if (error instanceof GatewayError) return error;
  const reason = error instanceof SyntaxError ? 'not valid JSON' : error instanceof Error ? error.message : String(error);
  return UpstreamFailure.unreadable(provider, what, reason, secrets, error);
}

function errorDetail(body: string): UpstreamDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { message: text === '' ? 'no error details' : text, code: null, param: null };
  }
  return detailOf(parsed, body.trim());
}

function detailOf(parsed: unknown, raw: string): UpstreamDetail {
  const error = errorObject(parsed);
  const bare = parsed && typeof parsed === 'object' && 'error' in parsed ? (parsed as { error: unknown }).error : undefined;
  const message = typeof error?.message === 'string' ? error.message : typeof bare === 'string' ? bare : raw;
  return {
    message: message === '' ? 'no error details' : message,
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
