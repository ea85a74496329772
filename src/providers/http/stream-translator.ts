import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { CanonicalEvent } from '../provider.ts';

/** Where a translator puts canonical events (the translate stage's controller). */
export interface EventSink {
  enqueue(event: CanonicalEvent): void;
}

/**
 * A provider's stream-chunk transform: one upstream SSE message in, zero or
 * more canonical events out (see CanonicalEvent for the contract). It parses
 * each message's JSON once. An error the upstream reports in the stream is
 * thrown as a GatewayError.
 */
export interface StreamTranslator {
  message(message: SseMessage, out: EventSink): void;
  /** The upstream ended its stream: emit the closing events, or throw if the response was not complete. */
  end(out: EventSink): void;
}
