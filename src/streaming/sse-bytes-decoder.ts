import { SseDecoder, type SseDecoderOptions } from './sse-decoder.ts';

/**
 * Bytes of a `text/event-stream` body → SSE messages: UTF-8 decoding (a
 * character split across chunks is kept whole) in front of the SseDecoder
 * push parser. Both throw what SseDecoder throws.
 */
export class SseBytesDecoder {
  private readonly text = new TextDecoder();
  private readonly decoder: SseDecoder;

  constructor(options: SseDecoderOptions) {
    this.decoder = new SseDecoder(options);
  }

  feed(chunk: Uint8Array): void {
    this.decoder.feed(this.text.decode(chunk, { stream: true }));
  }

  /** The body has ended: what is left of a split character is decoded. */
  end(): void {
    this.decoder.feed(this.text.decode());
  }
}
