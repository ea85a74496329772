import { GatewayError, type ErrorType, type TimeLimit } from './gateway-error.ts';
import { excerpt, redact } from './redact.ts';

/**
 * How a call to an upstream failed:
 * - `connect`: the request or its answer's body could not be carried (refused, reset, DNS);
 * - `timeout`: a time limit of the gateway (`timeout_ms`, `stream_idle_timeout_ms`) ran out;
 * - `http`: the upstream answered with an error status;
 * - `reported`: the upstream reported an error inside a 2xx answer (a stream's error event, a failed response);
 * - `unreadable`: the answer is not JSON, or not of the protocol's shape;
 * - `truncated`: a stream ended before the upstream said the answer was complete;
 * - `redirected`: the upstream answered 3xx (redirects are never followed: the key would go along);
 * - `too_large`: the answer, an error body or one stream event is larger than the provider's cap.
 */
export type UpstreamFailureKind = 'connect' | 'timeout' | 'http' | 'reported' | 'unreadable' | 'truncated' | 'redirected' | 'too_large';

/** What the error the upstream sent said, as read from its body (see upstream-error.ts). */
export interface UpstreamDetail {
  message: string;
  code?: string | null;
  param?: string | null;
}

interface UpstreamFailureInit {
  provider: string;
  kind: UpstreamFailureKind;
  message: string;
  upstreamStatus?: number | undefined;
  code?: string | null | undefined;
  param?: string | null | undefined;
  retryable: boolean;
  retryAfterMs?: number | undefined;
  upstreamRequestId?: string | undefined;
  cause?: unknown;
}

/** Longest upstream text quoted in a message, and longest `code`/`param` passed on. */
const MAX_DETAIL = 1_000;
const MAX_FIELD = 200;
const MAX_REQUEST_ID = 128;

/**
 * A failed call to an upstream, as data: who (`provider`), how (`kind`), the
 * upstream's status, whether the same call may succeed if tried again
 * (`retryable`), how long the upstream asked to wait (`retryAfterMs`) and its
 * request id. Retry, breaker and fallback wrappers decide on these fields;
 * what the client sees (status, OpenAI error type and code, `x-should-retry`,
 * `Retry-After`) is derived from them in one place, `clientView`.
 *
 * Everything taken from the upstream's answer (its message, `code`, `param`,
 * request id) is redacted of the provider's secrets before it is stored, and
 * cut after, so no key reaches a client, a log line or a span.
 */
export class UpstreamFailure extends GatewayError {
  readonly provider: string;
  readonly kind: UpstreamFailureKind;
  /** The upstream's HTTP status (for `reported`: the status its error type stands for), if there was one. */
  readonly upstreamStatus: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly upstreamRequestId: string | undefined;
  /** For `timeout`: which of the gateway's limits fired (`timeout_ms`, `stream_idle_timeout_ms`, `stream_max_duration_ms`). */
  limit: TimeLimit | undefined;

  private constructor(init: UpstreamFailureInit) {
    const view = clientView(init.kind, init.upstreamStatus, init.code ?? null, init.retryAfterMs);
    super(view.status, view.type, init.message, {
      code: view.code,
      param: init.param ?? null,
      ...(view.headers ? { headers: view.headers } : {}),
      ...(init.cause === undefined ? {} : { cause: init.cause }),
    });
    this.provider = init.provider;
    this.kind = init.kind;
    this.upstreamStatus = init.upstreamStatus;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.upstreamRequestId = init.upstreamRequestId;
  }

  /**
   * An error status from the upstream (after the OpenAI SDK's
   * `APIError.generate`): the status picks the meaning, the body's detail
   * the message, the headers the retry delay and the request id.
   */
  static http(provider: string, status: number, detail: UpstreamDetail, headers: Headers | undefined, secrets: readonly string[]): UpstreamFailure {
    return new UpstreamFailure({
      provider,
      kind: 'http',
      upstreamStatus: status,
      message: httpMessage(provider, status, excerpt(detail.message, MAX_DETAIL, secrets)),
      ...fields(detail, secrets),
      retryable: retryableStatus(status),
      retryAfterMs: headers ? retryAfterMs(headers) : undefined,
      upstreamRequestId: headers ? requestId(headers, secrets) : undefined,
    });
  }

  /**
   * An error the upstream reported inside its answer: `status` is what its
   * error type stands for (`overloaded_error` → 529); undefined for a failed
   * response without one.
   */
  static reported(provider: string, status: number | undefined, detail: UpstreamDetail, secrets: readonly string[]): UpstreamFailure {
    const text = excerpt(detail.message, MAX_DETAIL, secrets);
    return new UpstreamFailure({
      provider,
      kind: 'reported',
      upstreamStatus: status,
      message: status === undefined ? `Provider '${provider}' failed to produce a response: ${text}` : httpMessage(provider, status, text),
      ...fields(detail, secrets),
      retryable: status !== undefined && retryableStatus(status),
    });
  }

  /** The request, or its answer's body, could not be carried. `reason` describes the network error. */
  static connect(provider: string, reason: string, secrets: readonly string[], cause?: unknown): UpstreamFailure {
    return new UpstreamFailure({
      provider,
      kind: 'connect',
      message: `The connection to provider '${provider}' failed: ${excerpt(reason, MAX_DETAIL, secrets)}`,
      retryable: true,
      cause: safeCause(cause, secrets),
    });
  }

  /**
   * A time limit ran out. `message` is the gateway's own (it names the
   * limit); `streaming`: events had already arrived, so the call cannot be
   * repeated without repeating them.
   */
  static timeout(provider: string, message: string, streaming: boolean, limit?: TimeLimit): UpstreamFailure {
    const failure = new UpstreamFailure({ provider, kind: 'timeout', message, retryable: !streaming });
    failure.limit = limit;
    return failure;
  }

  /** `what` (an answer, a stream event) could not be read; `reason` says why, without quoting the upstream unless redacted. */
  static unreadable(provider: string, what: string, reason: string, secrets: readonly string[], cause?: unknown): UpstreamFailure {
    return new UpstreamFailure({
      provider,
      kind: 'unreadable',
      message: `Provider '${provider}' sent ${what} the gateway could not read (${excerpt(reason, MAX_DETAIL, secrets)}).`,
      retryable: false,
      cause: safeCause(cause, secrets),
    });
  }

  /** A stream that ended before the upstream said the answer was complete. */
  static truncated(provider: string): UpstreamFailure {
    return new UpstreamFailure({ provider, kind: 'truncated', message: `Provider '${provider}' ended its stream before the answer was complete.`, retryable: false });
  }

  /** A 3xx answer. Its `Location` is not quoted: it is the upstream's text, and nothing is sent there. */
  static redirected(provider: string, status: number): UpstreamFailure {
    return new UpstreamFailure({
      provider,
      kind: 'redirected',
      upstreamStatus: status || undefined,
      message: `Provider '${provider}' answered with a redirect${status ? ` (HTTP ${status})` : ''}; the gateway does not follow redirects, so check the provider's base_url.`,
      retryable: false,
    });
  }

  /** `what` is larger than the provider's cap (`key`, `limit` bytes); nothing more of it was read. */
  static tooLarge(provider: string, what: string, key: string, limit: number, upstreamStatus?: number): UpstreamFailure {
    return new UpstreamFailure({
      provider,
      kind: 'too_large',
      upstreamStatus,
      message: `Provider '${provider}' sent ${what} larger than ${limit} bytes (${key}).`,
      retryable: false,
    });
  }
}

/** What the client gets for a failure: the one mapping from an upstream's failure to the gateway's answer. */
export interface ClientView {
  status: number;
  type: ErrorType;
  code: string | null;
  headers: Record<string, string> | undefined;
}

const NO_RETRY: Readonly<Record<string, string>> = { 'x-should-retry': 'false' };

/**
 * - an HTTP (or reported) 400/404/413/422: the request itself was refused; the
 *   client can fix it, so it keeps the status (422 becomes 400) and the
 *   upstream's code, and retrying is pointless (`x-should-retry: false`);
 * - 401/403 and other 4xx: the gateway's own credentials or account: 502,
 *   `x-should-retry: false`;
 * - 408/504, and the gateway's own time limits: 504 `upstream_timeout`;
 * - 429: 429 `rate_limit_exceeded`, with the upstream's delay as `Retry-After`;
 * - 503/529 (overloaded): 503 `upstream_overloaded`, with its delay;
 * - other 5xx, a broken connection, an unreadable or cut-short answer: 502 `upstream_error`;
 * - a redirect or an answer over the cap: 502 `upstream_error`, `x-should-retry: false`
 *   (the same request gets the same answer).
 */
export function clientView(kind: UpstreamFailureKind, upstreamStatus: number | undefined, upstreamCode: string | null, retryAfter: number | undefined): ClientView {
  switch (kind) {
    case 'timeout':
      return { status: 504, type: 'server_error', code: 'upstream_timeout', headers: undefined };
    case 'connect':
    case 'unreadable':
    case 'truncated':
      return { status: 502, type: 'server_error', code: 'upstream_error', headers: undefined };
    case 'redirected':
    case 'too_large':
      return { status: 502, type: 'server_error', code: 'upstream_error', headers: NO_RETRY };
    case 'http':
    case 'reported':
      break;
  }
  if (upstreamStatus === undefined) return { status: 502, type: 'server_error', code: 'upstream_error', headers: undefined };
  switch (upstreamStatus) {
    case 400:
    case 404:
    case 413:
    case 422:
      return { status: upstreamStatus === 422 ? 400 : upstreamStatus, type: 'invalid_request_error', code: upstreamCode, headers: NO_RETRY };
    case 408:
    case 504:
      return { status: 504, type: 'server_error', code: 'upstream_timeout', headers: undefined };
    case 429:
      return { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: retryAfterHeaders(retryAfter) };
    case 503:
    case 529:
      return { status: 503, type: 'server_error', code: 'upstream_overloaded', headers: retryAfterHeaders(retryAfter) };
  }
  if (upstreamStatus >= 500) return { status: 502, type: 'server_error', code: 'upstream_error', headers: undefined };
  return { status: 502, type: 'server_error', code: 'upstream_error', headers: NO_RETRY };
}

/** Statuses after which the same request may succeed (the OpenAI SDK's retry rule). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `Retry-After` in whole seconds (rounded up) and `retry-after-ms`, which the OpenAI SDK prefers. */
function retryAfterHeaders(ms: number | undefined): Record<string, string> | undefined {
  if (ms === undefined) return undefined;
  return { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(Math.round(ms)) };
}

/** Longest delay taken from an upstream: beyond a day the value is not a delay but a mistake. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/** The delay an upstream asked for: `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.min(Number(ms), MAX_RETRY_AFTER_MS);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP date names its day and month; Date.parse alone would read "-5" as a year.
  const date = /^[A-Za-z]{3}, /.test(value.trim()) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** Headers upstreams put their request id in: OpenAI and Azure, Anthropic, Azure's gateway. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'apim-request-id', 'x-ms-request-id'];

function requestId(headers: Headers, secrets: readonly string[]): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return excerpt(value, MAX_REQUEST_ID, secrets);
  }
  return undefined;
}

function fields(detail: UpstreamDetail, secrets: readonly string[]): { code: string | null; param: string | null } {
  return {
    code: detail.code ? excerpt(detail.code, MAX_FIELD, secrets) : null,
    param: detail.param ? excerpt(detail.param, MAX_FIELD, secrets) : null,
  };
}

function httpMessage(provider: string, status: number, text: string): string {
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      return `Provider '${provider}' rejected the request: ${text}`;
    case 401:
    case 403:
      return `Provider '${provider}' refused the gateway's credentials (HTTP ${status}): ${text}`;
    case 408:
    case 504:
      return `Provider '${provider}' timed out (HTTP ${status}): ${text}`;
    case 429:
      return `Provider '${provider}' is rate limiting requests: ${text}`;
    case 503:
    case 529:
      return `Provider '${provider}' is overloaded or unavailable (HTTP ${status}): ${text}`;
  }
  if (status >= 500) return `Provider '${provider}' failed (HTTP ${status}): ${text}`;
  return `Provider '${provider}' refused the request (HTTP ${status}): ${text}`;
}

/**
 * A cause fit to be logged: logs print a cause's message, so one that quotes
 * a secret is replaced by a copy with the secret redacted (name and code kept).
 */
function safeCause(cause: unknown, secrets: readonly string[]): unknown {
  // A JSON parser's message quotes the text around the error, cut where a secret may begin: never kept.
  if (cause instanceof SyntaxError) return undefined;
  if (!(cause instanceof Error)) return cause === undefined ? undefined : redact(String(cause), secrets);
  const message = redact(cause.message, secrets);
  if (message === cause.message) return cause;
  const copy = new Error(message);
  copy.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code: redact(code, secrets) });
  return copy;
}
