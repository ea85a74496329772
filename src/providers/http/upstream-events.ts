import type { SseMessage } from '../../streaming/sse-decoder.ts';
import { SseBytesDecoder } from '../../streaming/sse-bytes-decoder.ts';
import type { Pull } from '../../streaming/pull.ts';
import type { CanonicalEvent } from '../provider.ts';
import type { EventSink, StreamTranslator } from './stream-translator.ts';
import { unreadable } from './upstream-error.ts';
import type { UpstreamExchange } from './upstream-exchange.ts';

/**
 * A provider's stream as one pull stage: each read of the upstream body is
 * decoded (UTF-8, a character split across reads kept whole), parsed as SSE
 * and translated to canonical events by the provider's StreamTranslator, and
 * what that read produced is one batch. Decoding, parsing and translating are
 * plain calls: no stream hop per event.
 *
 * Around the translator it keeps the exchange's idle timer fed (data events,
 * not comments) and makes every failure this provider's GatewayError: an
 * error event from the upstream or an event it cannot read, an event over
 * `max_event_bytes`, a connection that breaks mid-stream, a time limit (the
 * exchange cancels the read at once, whatever the socket does).
 */
// Its callbacks are methods, not arrow functions in fields: the Node entry point runs through tsx,
// whose names for function values (esbuild's keepNames) cost a defineProperty per closure made.
export class UpstreamEvents implements Pull<CanonicalEvent>, EventSink {
  private readonly decoder: SseBytesDecoder;
  private out: CanonicalEvent[] = [];
  /** A time limit fired: what the stream fails with. */
  private stopped: { reason: unknown } | undefined;
  private ended = false;
  /** A failure to report once the events before it have been taken. */
  private failed: { reason: unknown } | undefined;

  constructor(
    private readonly body: Pull<Uint8Array>,
    private readonly translator: StreamTranslator,
    private readonly exchange: UpstreamExchange,
    private readonly provider: string,
    private readonly secrets: readonly string[],
    maxEventBytes: number,
  ) {
    this.decoder = new SseBytesDecoder({ onMessage: this.onMessage.bind(this), maxBufferSize: maxEventBytes });
    exchange.attach(this);
  }

  /** A translated event (the translator's sink). */
  enqueue(event: CanonicalEvent): void {
    this.out.push(event);
  }

  /** A time limit fired (the exchange's error sink): the stream fails with it at once. */
  error(reason: unknown): void {
    this.stopped ??= { reason };
    void this.body.cancel(reason).catch(() => {});
  }

  async next(): Promise<CanonicalEvent[] | undefined> {
    for (;;) {
      if (this.out.length > 0) {
        const batch = this.out;
        this.out = [];
        return batch;
      }
      if (this.failed) throw this.failed.reason;
      if (this.ended) return undefined;
      let chunks: Uint8Array[] | undefined;
      try {
        chunks = await this.body.next();
      } catch (error) {
        this.ended = true;
        this.exchange.end();
        throw this.stopped ? this.stopped.reason : this.exchange.failure(error);
      }
      if (this.stopped) {
        this.ended = true;
        throw this.stopped.reason;
      }
      if (this.ended) return undefined;
      try {
        if (chunks === undefined) {
          this.ended = true;
          this.exchange.end();
          this.feed(undefined);
          this.translator.end(this);
        } else {
          for (let i = 0; i < chunks.length; i++) this.feed(chunks[i]);
        }
      } catch (error) {
        if (!this.ended) {
          this.ended = true;
          this.exchange.abort();
        }
        // What came before the failure in this read is delivered first, as it would be event by event.
        if (this.out.length === 0) throw error;
        this.failed = { reason: error };
      }
    }
  }

  async cancel(reason?: unknown): Promise<void> {
    this.ended = true;
    // The consumer went away: stop the upstream request at once.
    this.exchange.abort(reason);
    await this.body.cancel(reason).catch(() => {});
  }

  /** One read of the body (undefined: its end); decoder failures (an event over its cap) are this exchange's. */
  private feed(chunk: Uint8Array | undefined): void {
    try {
      if (chunk === undefined) this.decoder.end();
      else this.decoder.feed(chunk);
    } catch (error) {
      if (error instanceof TranslateError) throw error.cause;
      throw this.exchange.failure(error);
    }
  }

  private onMessage(message: SseMessage): void {
    this.exchange.touch();
    try {
      this.translator.message(message, this);
    } catch (error) {
      throw new TranslateError(unreadable(this.provider, error, 'a stream event', this.secrets));
    }
  }
}

/** Carries a translator's failure out through the decoder, told apart from the decoder's own. */
class TranslateError extends Error {
  constructor(override readonly cause: unknown) {
    super('translate');
  }
}
