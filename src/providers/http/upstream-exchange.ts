import { GatewayError } from '../../errors/gateway-error.ts';
import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import { SseBufferOverflowError } from '../../streaming/sse-decoder.ts';
import { abortSourceOf, type ProviderCall } from '../provider.ts';
import { Cancellation, type AbortSource } from '../../core/cancellation.ts';
import { BodyTooLargeError, readCapped } from './read-capped.ts';
import { upstreamError } from './upstream-error.ts';

/** What every HTTP call to one provider shares. */
export interface UpstreamSettings {
  /** The provider's configured name, for messages. */
  readonly provider: string;
  /** Until the response headers; for a non-streamed call, until the whole answer has been read. */
  readonly timeoutMs: number;
  /** The longest a stream may go without a data event, from its response headers on. */
  readonly idleTimeoutMs: number;
  /** The longest a stream may last, from the request on. */
  readonly maxDurationMs: number;
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
export type UpstreamFetch = (url: string, init: UpstreamInit) => Promise<Response>;

/**
 * A request's init as `fetch` takes it. `cancellation`, when given, aborts
 * with `signal`: a transport of the gateway's own listens to it instead, and
 * the AbortSignal is then never made (see Cancellation).
 */
export interface UpstreamInit {
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array<ArrayBuffer>;
  readonly signal: AbortSignal;
  readonly redirect: 'manual';
  readonly cancellation?: AbortSource;
}

/** The exchange's init: its `signal` is made only when a fetch reads it. */
class ExchangeInit implements UpstreamInit {
  readonly method = 'POST';
  readonly redirect = 'manual';
  constructor(
    readonly headers: Record<string, string>,
    readonly body: string,
    readonly cancellation: Cancellation,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/** Where a timed-out stream is failed at once, whatever the socket does. */
interface ErrorSink {
  error(reason: unknown): void;
}

/**
 * One HTTP request to an upstream and its answer: the abort wiring (the
 * client going away aborts the fetch), the time limits and the translation of
 * every failure into a GatewayError.
 *
 * Time limits: `timeout_ms` runs from the request to the response headers (for
 * a non-streamed call, to the end of the body). Once a stream is attached,
 * `stream_idle_timeout_ms` runs from the headers to the first data event and
 * between data events, and `stream_max_duration_ms` from the request to the
 * stream's end; `timeout_ms` no longer applies. They share one timer that is
 * re-armed lazily (it wakes at the earliest deadline it knew of and looks
 * again), so a data event costs one clock read, not a setTimeout.
 */
export class UpstreamExchange {
  private readonly cancellation = new Cancellation();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly startedAt = performance.now();
  private streaming = false;
  private lastData = this.startedAt;
  private timedOut: UpstreamFailure | undefined;
  private sink: ErrorSink | undefined;
  /** The call's cancellation: the client going away. */
  private readonly client: AbortSource;

  // The exchange is its own abort listener (handleEvent) and its timer gets it as an argument:
  // an exchange costs no closures, one per request fewer each.
  constructor(
    private readonly settings: UpstreamSettings,
    call: ProviderCall,
  ) {
    const signal = (this.client = abortSourceOf(call));
    if (signal.aborted) this.cancellation.abort(signal.reason);
    else signal.addEventListener('abort', this, { once: true });
    this.timer = setTimeout(UpstreamExchange.fire, settings.timeoutMs, this);
  }

  /** The client went away: abort the HTTP request. */
  handleEvent(): void {
    this.abort(this.client.reason);
  }

  private static fire(exchange: UpstreamExchange): void {
    exchange.check();
  }

  get signal(): AbortSignal {
    return this.cancellation.signal;
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
      response = await this.settings.fetch(url, new ExchangeInit(headers, body, this.cancellation));
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

  /**
   * The response headers have arrived and the stream is live: the stream's
   * limits replace `timeout_ms`, and `sink` is errored at once when one fires.
   */
  attach(sink: ErrorSink): void {
    this.sink = sink;
    if (this.streaming) return;
    this.streaming = true;
    this.lastData = performance.now();
    // The timer was set for `timeout_ms`; the stream's first deadline may be earlier.
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = setTimeout(UpstreamExchange.fire, Math.max(0, this.deadline() - this.lastData), this);
    }
  }

  /** A data event arrived (comments do not count): the idle limit starts again. */
  touch(): void {
    this.lastData = performance.now();
  }

  /** Aborts the HTTP request (client gone, or the consumer stopped reading). */
  abort(reason?: unknown): void {
    this.end();
    this.cancellation.abort(reason);
  }

  /** Stops the timer and the abort wiring: the exchange is over. Safe to call more than once. */
  end(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.client.removeEventListener('abort', this);
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
    if (this.client.aborted) return this.client.reason ?? error;
    const { provider, secrets } = this.settings;
    if (error instanceof BodyTooLargeError) return UpstreamFailure.tooLarge(provider, what, 'max_response_bytes', error.limit, upstreamStatus);
    if (error instanceof SseBufferOverflowError) return UpstreamFailure.tooLarge(provider, 'a stream event', 'max_event_bytes', this.settings.maxEventBytes);
    return UpstreamFailure.connect(provider, describe(error), secrets, error);
  }

  private fail(error: unknown, what?: string, upstreamStatus?: number): unknown {
    this.end();
    return this.failure(error, what, upstreamStatus);
  }

  /** When the next limit is due (performance.now() time). */
  private deadline(): number {
    const { timeoutMs, idleTimeoutMs, maxDurationMs } = this.settings;
    if (!this.streaming) return this.startedAt + timeoutMs;
    return Math.min(this.lastData + idleTimeoutMs, this.startedAt + maxDurationMs);
  }

  private check(): void {
    const now = performance.now();
    const due = this.deadline();
    if (now < due) {
      this.timer = setTimeout(UpstreamExchange.fire, due - now, this);
      return;
    }
    this.timer = undefined;
    const { provider, timeoutMs, idleTimeoutMs, maxDurationMs } = this.settings;
    if (!this.streaming) {
      this.timedOut = UpstreamFailure.timeout(provider, `Provider '${provider}' did not answer within ${timeoutMs} ms (timeout_ms).`, false, 'timeout');
    } else if (now >= this.startedAt + maxDurationMs) {
      this.timedOut = UpstreamFailure.timeout(provider, `The stream from provider '${provider}' was ended after ${maxDurationMs} ms (stream_max_duration_ms).`, true, 'max_duration');
    } else {
      this.timedOut = UpstreamFailure.timeout(provider, `Provider '${provider}' sent no data for ${idleTimeoutMs} ms (stream_idle_timeout_ms).`, true, 'idle_timeout');
    }
    this.abort(this.timedOut);
    this.sink?.error(this.timedOut);
  }
}

/** A network error's message with its cause (Node's fetch says only "fetch failed"). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? (typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '') : '';
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}
