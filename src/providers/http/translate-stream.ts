import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { CanonicalEvent } from '../provider.ts';
import type { StreamTranslator } from './stream-translator.ts';
import { unreadable } from './upstream-error.ts';
import type { UpstreamExchange } from './upstream-exchange.ts';

/**
 * The translate stage of a provider stream: SSE messages → canonical events
 * through the provider's StreamTranslator. Around the translator it keeps the
 * exchange's idle timer fed and makes a failure a GatewayError: an error event
 * from the upstream, or an event it cannot read. (A stall or a broken
 * connection is failed into this stage by the exchange.)
 */
export class TranslateStream extends TransformStream<SseMessage, CanonicalEvent> {
  constructor(translator: StreamTranslator, exchange: UpstreamExchange, provider: string, secrets: readonly string[]) {
    const transformer: CancellableTransformer<SseMessage, CanonicalEvent> = {
      start(controller) {
        exchange.attach(controller);
      },
      transform(message, controller) {
        exchange.touch();
        try {
          translator.message(message, controller);
        } catch (error) {
          exchange.abort();
          throw unreadable(provider, error, 'a stream event', secrets);
        }
      },
      flush(controller) {
        exchange.end();
        translator.end(controller);
      },
      // The consumer went away: stop the upstream request at once.
      cancel(reason) {
        exchange.abort(reason);
      },
    };
    super(transformer);
  }
}

/**
 * `Transformer.cancel` is in the Streams standard (Node 20.14+, Deno, Bun 1.4)
 * but not yet in TypeScript's lib. Where a runtime lacks it, the client's
 * abort signal stops the upstream request instead.
 */
type CancellableTransformer<I, O> = Transformer<I, O> & { cancel?: (reason: unknown) => void | Promise<void> };
