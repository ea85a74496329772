import { SseDecoder, type SseMessage } from './sse-decoder.ts';

export interface SseDecoderStreamOptions {
  /** Called for comment lines, which servers send to keep an idle stream open. */
  onComment?: (comment: string) => void;
  /** See SseDecoderOptions.maxBufferSize. */
  maxBufferSize?: number;
  /**
   * What a decoding failure (an event over `maxBufferSize`) becomes: the
   * stages after this one see the mapped error, since the first error to
   * reach them is the one they keep.
   */
  mapError?: (error: unknown) => unknown;
}

/**
 * Bytes of a `text/event-stream` body → SSE messages: UTF-8 decoding (a
 * character split across chunks is kept whole) in front of the SseDecoder
 * push parser.
 */
export class SseDecoderStream extends TransformStream<Uint8Array, SseMessage> {
  constructor(options: SseDecoderStreamOptions = {}) {
    const text = new TextDecoder();
    let decoder: SseDecoder;
    super({
      start(controller) {
        decoder = new SseDecoder({
          onMessage: (message) => controller.enqueue(message),
          onComment: options.onComment,
          maxBufferSize: options.maxBufferSize,
        });
      },
      transform(chunk) {
        try {
          decoder.feed(text.decode(chunk, { stream: true }));
        } catch (error) {
          throw options.mapError ? options.mapError(error) : error;
        }
      },
      flush() {
        try {
          decoder.feed(text.decode());
        } catch (error) {
          throw options.mapError ? options.mapError(error) : error;
        }
      },
    });
  }
}
