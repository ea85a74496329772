import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { CanonicalEvent } from '../provider.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { unreadable } from './upstream-error.ts';
import type { UpstreamExchange } from './upstream-exchange.ts';

/**
 * The translate stage of a provider stream: SSE messages → canonical events
 * through the provider's StreamTranslator. Around the translator it keeps the
 * exchange's idle timer fed and makes every way the stream can fail a
 * GatewayError: an error event from the upstream, an event it cannot read, a
 * broken connection (the stage before it aborts this one), a stall.
 */
export class TranslateStream extends TransformStream<SseMessage, CanonicalEvent> {
  constructor(translator: StreamTranslator, exchange: UpstreamExchange, provider: string) {
    let sink: TransformStreamDefaultController<CanonicalEvent>;
    const transformer: CancellableTransformer<SseMessage, CanonicalEvent> = {
      start(controller) {
        sink = controller;
        exchange.attach(controller);
      },
      transform(message, controller) {
        exchange.touch();
        try {
          translator.message(message, controller);
        } catch (error) {
          exchange.abort();
          throw unreadable(provider, error, 'a stream event');
        }
      },
      flush(controller) {
        exchange.end();
        translator.end(controller);
      },
      // The upstream side failed (connection reset, undecodable bytes) or the consumer cancelled.
      cancel(reason) {
        exchange.abort(reason);
        sink.error(exchange.failure(reason));
      },
    };
    super(transformer);
  }
}

/**
 * `Transformer.cancel` (called when either side is aborted or cancelled) is in
 * the Streams standard and works on Node 20, Bun and Deno, but TypeScript's
 * lib does not declare it yet.
 */
type CancellableTransformer<I, O> = Transformer<I, O> & { cancel?: (reason: unknown) => void | Promise<void> };
