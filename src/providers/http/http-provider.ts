import { secretList } from '../../errors/redact.ts';
import { streamOf, bodyPullOf, type Pull } from '../../streaming/pull.ts';
import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import type { CanonicalEvent, CanonicalRequest, InputTokenCount, Provider, ProviderCall, ProviderResult } from '../provider.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { UpstreamEvents } from './upstream-events.ts';
import { unreadable } from './upstream-error.ts';
import { UpstreamExchange, type UpstreamFetch, type UpstreamSettings } from './upstream-exchange.ts';

/** The keys of `body` that are in `keys`: a model call's body cut to what a counting endpoint accepts. */
export function pickKeys(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

/** The settings every HTTP provider has, as the config states them. */
export interface HttpProviderConfig {
  timeout_ms: number;
  stream_idle_timeout_ms: number;
  stream_max_duration_ms: number;
  /** Extra headers for every upstream request; their values are treated as secrets. */
  headers: Readonly<Record<string, string>>;
  /** Largest non-streamed answer or error body read. */
  max_response_bytes: number;
  /** Largest single stream event. */
  max_event_bytes: number;
}

/**
 * A provider that speaks JSON over HTTP with SSE streams. Subclasses supply
 * the provider's data and pure transforms (endpoint, headers, request
 * transform, response transform, stream-chunk translator); this class does
 * the HTTP: headers merged with the call's (request id, trace context), time
 * limits, abort, error mapping, and the two-stage stream pipeline
 * (bytes → SSE messages → canonical events).
 */
export abstract class HttpProvider implements Provider {
  abstract readonly type: string;
  protected readonly upstream: UpstreamSettings;
  /** Headers of every request: content type, the config's extras, then authentication (computed once). */
  private readonly fixedHeaders: Record<string, string>;

  constructor(
    readonly name: string,
    config: HttpProviderConfig,
    auth: Readonly<Record<string, string>>,
    secret: string | undefined,
    fetch: UpstreamFetch = globalThis.fetch,
  ) {
    this.upstream = {
      provider: name,
      timeoutMs: config.timeout_ms,
      idleTimeoutMs: config.stream_idle_timeout_ms,
      maxDurationMs: config.stream_max_duration_ms,
      // Configured header values are often credentials too (an organisation key, a proxy token).
      secrets: secretList([secret, ...Object.values(config.headers)]),
      maxResponseBytes: config.max_response_bytes,
      maxEventBytes: config.max_event_bytes,
      fetch,
    };
    this.fixedHeaders = { 'content-type': 'application/json', ...config.headers, ...auth };
  }

  /** The endpoint for this request; `stream` selects the streaming one where they differ. */
  protected abstract url(request: CanonicalRequest, stream: boolean): string;
  /** The request transform: canonical → the upstream's JSON body. */
  protected abstract body(request: CanonicalRequest, stream: boolean): unknown;
  /** The response transform: the upstream's JSON answer → a result. */
  protected abstract result(body: unknown): ProviderResult;
  /** A fresh stream-chunk translator for one stream. */
  protected abstract translator(request: CanonicalRequest): StreamTranslator;

  async generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    const body = JSON.stringify(this.body(request, false));
    const exchange = new UpstreamExchange(this.upstream, call);
    const response = await exchange.send(this.url(request, false), this.headers(call), body);
    const answer = await exchange.json(response);
    try {
      return this.result(answer);
    } catch (error) {
      throw unreadable(this.name, error, 'an answer', this.upstream.secrets);
    }
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    return streamOf(await this.streamPull(request, call));
  }

  async streamPull(request: CanonicalRequest, call: ProviderCall): Promise<Pull<CanonicalEvent>> {
    const body = JSON.stringify(this.body(request, true));
    const translator = this.translator(request);
    const exchange = new UpstreamExchange(this.upstream, call);
    const response = await exchange.send(this.url(request, true), this.headers(call), body);
    const source = bodyPullOf(response);
    if (!source) {
      exchange.end();
      throw unreadable(this.name, new Error('the response has no body'), 'a stream', this.upstream.secrets);
    }
    // Comments (`: keep-alive`) are not progress: an upstream that sends only those is stalled.
    return new UpstreamEvents(source, translator, exchange, this.name, this.upstream.secrets, this.upstream.maxEventBytes);
  }

  /**
   * One call to the provider's token-counting endpoint, with the same
   * plumbing as a model call (time limit, size cap, abort, redaction, typed
   * failures); `read` takes the count out of the answer.
   */
  protected async countWith(url: string, body: unknown, call: ProviderCall, read: (answer: unknown) => unknown): Promise<InputTokenCount> {
    const exchange = new UpstreamExchange(this.upstream, call);
    const response = await exchange.send(url, this.headers(call), JSON.stringify(body));
    const answer = await exchange.json(response);
    const count = read(answer);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw UpstreamFailure.unreadable(this.name, 'a token count', 'it holds no count of tokens', this.upstream.secrets);
    }
    return { input_tokens: count, estimated: false };
  }

  /** The call's headers (x-request-id, traceparent, …) on every upstream request, beside the provider's own. */
  private headers(call: ProviderCall): Record<string, string> {
    // Object.assign, not `{ ...fixedHeaders }`: on Node 20's V8, adding keys to an object made by
    // spread takes a slow path (about 2.5 µs here, against 0.1 µs), on every upstream request.
    const headers: Record<string, string> = Object.assign({}, this.fixedHeaders);
    for (const key in call.headers) headers[key] = call.headers[key]!;
    return headers;
  }
}
