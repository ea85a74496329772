import { GatewayError } from '../../errors/gateway-error.ts';
import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import { SseBufferOverflowError } from '../../streaming/sse-decoder.ts';
import type { ProviderCall } from '../provider.ts';
import { BodyTooLargeError, readCapped } from './read-capped.ts';
import { upstreamError } from './upstream-error.ts';

/** What every HTTP call to one provider shares. */
export interface UpstreamSettings {
  /** The provider's configured name, for messages. */
  readonly provider: string;
  /** Until the response headers and, for streams, the first event; for a non-streamed call, the whole answer. */
  readonly timeoutMs: number;
  /** The longest silence allowed between two events of a stream. */
  readonly idleTimeoutMs: number;
  /** Values that must never reach a client, a log or a span (the API key, the configured header values), longest first. */
  readonly secrets: readonly string[];
  /** Largest non-streamed answer or error body read (`max_response_bytes`). */
  readonly maxResponseBytes: number;
  /** Largest single stream event (`max_event_bytes`), in characters of decoded text. */
  readonly maxEventBytes: number;
  /** How requests are sent: the runtime's fetch, or a faster one an adapter supplies. */
  readonly fetch: UpstreamFetch;
}

/**
 * The part of `fetch` providers use (POST with a string body, redirects not
 * followed: a redirect would take the key to another host); adapters may
 * supply a faster one, which must not follow redirects either.
 */
export type UpstreamFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<Response>;

/** Where a timed-out stream is failed at once, whatever the socket does. */
interface ErrorSink {
  error(reason: unknown): void;
}

/**
 * One HTTP request to an upstream and its answer: the abort wiring (the
 * client going away aborts the fetch), the time limits (`timeout_ms` to the
 * first byte, `stream_idle_timeout_ms` between events) and the translation of
 * every failure into a GatewayError. The time limits share one timer that is
 * re-armed lazily, so an event costs one clock read, not a setTimeout.
 */
export class UpstreamExchange {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private limitMs: number;
  private streaming = false;
  private lastActivity = performance.now();
  private timedOut: UpstreamFailure | undefined;
  private sink: ErrorSink | undefined;
  private readonly onClientAbort: () => void;

  constructor(
    private readonly settings: UpstreamSettings,
    private readonly call: ProviderCall,
  ) {
    this.limitMs = settings.timeoutMs;
    const signal = call.signal;
    this.onClientAbort = () => this.abort(signal.reason);
    if (signal.aborted) this.controller.abort(signal.reason);
    else signal.addEventListener('abort', this.onClientAbort, { once: true });
    this.timer = setTimeout(this.check, this.limitMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * POSTs `body`; resolves with the response once the upstream has accepted
   * the request (a 2xx status), rejects with the mapped UpstreamFailure
   * otherwise. A redirect is refused unread, whatever the runtime's fetch
   * did with it (`opaqueredirect` has status 0).
   */
  async send(url: string, headers: Record<string, string>, body: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.settings.fetch(url, { method: 'POST', headers, body, signal: this.controller.signal, redirect: 'manual' });
    } catch (error) {
      throw this.fail(error);
    }
    if (response.ok) return response;
    const { provider, secrets } = this.settings;
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400) || response.status === 0) {
      this.abort();
      response.body?.cancel().catch(() => {});
      throw UpstreamFailure.redirected(provider, response.status);
    }
    let text: string;
    try {
      text = await readCapped(response, this.settings.maxResponseBytes);
    } catch (error) {
      throw this.fail(error, 'an error body', response.status);
    }
    this.end();
    throw upstreamError(provider, response.status, text, response.headers, secrets);
  }

  /** Reads a non-streamed answer (within `timeout_ms` and `max_response_bytes`) and parses it. */
  async json(response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await readCapped(response, this.settings.maxResponseBytes);
    } catch (error) {
      throw this.fail(error, 'an answer');
    }
    this.end();
    try {
      return JSON.parse(text);
    } catch {
      // Not the parser's message: it quotes the text around the error, cut where a key may begin.
      throw UpstreamFailure.unreadable(this.settings.provider, 'an answer', 'it is not JSON', this.settings.secrets);
    }
  }

  /** From now on the stream is live: `sink` is errored at once if the upstream stalls. */
  attach(sink: ErrorSink): void {
    this.sink = sink;
  }

  /** An event (or keep-alive comment) arrived: the first one switches from `timeout_ms` to the idle limit. */
  readonly touch = (): void => {
    this.lastActivity = performance.now();
    if (!this.streaming) {
      this.streaming = true;
      this.limitMs = this.settings.idleTimeoutMs;
    }
  };

  /** Aborts the HTTP request (client gone, or the consumer stopped reading). */
  abort(reason?: unknown): void {
    this.end();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Stops the timer and the abort wiring: the exchange is over. Safe to call more than once. */
  end(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.call.signal.removeEventListener('abort', this.onClientAbort);
  }

  /**
   * What a failure of this exchange means for the client: the timeout if one
   * fired, a GatewayError as it is, the client's own abort as it is (nobody is
   * listening any more), a body or event over its cap `too_large`, anything
   * else (a reset connection, a body that will not decode) `connect`: each a
   * failure naming the provider. `what` names the body being read.
   */
  failure(error: unknown, what = 'a stream', upstreamStatus?: number): unknown {
    if (this.timedOut) return this.timedOut;
    if (error instanceof GatewayError) return error;
    if (this.call.signal.aborted) return this.call.signal.reason ?? error;
    const { provider, secrets } = this.settings;
    if (error instanceof BodyTooLargeError) return UpstreamFailure.tooLarge(provider, what, 'max_response_bytes', error.limit, upstreamStatus);
    if (error instanceof SseBufferOverflowError) return UpstreamFailure.tooLarge(provider, 'a stream event', 'max_event_bytes', this.settings.maxEventBytes);
    return UpstreamFailure.connect(provider, describe(error), secrets, error);
  }

  /** The upstream body failed mid-stream (or was cut off by a time limit): fail the stream with what that means. */
  broke(error: unknown): void {
    this.end();
    this.sink?.error(this.failure(error));
  }

  private fail(error: unknown, what?: string, upstreamStatus?: number): unknown {
    this.end();
    return this.failure(error, what, upstreamStatus);
  }

  private readonly check = (): void => {
    const idle = performance.now() - this.lastActivity;
    if (idle < this.limitMs) {
      this.timer = setTimeout(this.check, this.limitMs - idle);
      return;
    }
    this.timer = undefined;
    const { provider } = this.settings;
    this.timedOut = this.streaming
      ? UpstreamFailure.timeout(provider, `Provider '${provider}' sent nothing for ${this.limitMs} ms (stream_idle_timeout_ms).`, true)
      : UpstreamFailure.timeout(provider, `Provider '${provider}' did not answer within ${this.limitMs} ms (timeout_ms).`, false);
    this.abort(this.timedOut);
    this.sink?.error(this.timedOut);
  };
}

/** A network error's message with its cause (Node's fetch says only "fetch failed"). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? (typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '') : '';
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}
