/** One Server-Sent Events message, as the EventSource algorithm dispatches it. */
export interface SseMessage {
  /** The `event:` field; undefined when the message had none (the spec's default type, `message`). */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field of this message, if it had one. */
  id: string | undefined;
  /** The `retry:` field of this message, if it had a valid one. */
  retry: number | undefined;
}

export interface SseDecoderOptions {
  onMessage: (message: SseMessage) => void;
  /** Comment lines (`: keep-alive`), without the colon; servers send them to keep idle streams open. */
  onComment?: (comment: string) => void;
  /** Largest line or message (in UTF-16 code units) held while waiting for its end; beyond it `feed` throws. */
  maxBufferSize?: number;
}

/** 16 Mi characters: room for the largest single events upstreams send (a full response object), not for a runaway stream. */
const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;
const LF = 10;

/** Thrown when an upstream sends a line or message larger than the decoder may buffer. */
export class SseBufferOverflowError extends Error {
  override name = 'SseBufferOverflowError';
}

/**
 * A push parser for `text/event-stream` (the WHATWG EventSource parsing
 * rules): feed it text in chunks of any size; it calls `onMessage` for each
 * complete message. Lines may end in CR, LF or CRLF, and a CRLF may be split
 * across chunks. A message is dispatched at its blank line; one without
 * `data:` is not dispatched, and an unterminated message at the end of the
 * stream is dropped, as the spec says.
 */
export class SseDecoder {
  private readonly onMessage: (message: SseMessage) => void;
  private readonly onComment: ((comment: string) => void) | undefined;
  private readonly maxBufferSize: number;
  /** Text after the last line break seen. */
  private pending = '';
  /** The previous chunk ended in CR: a LF starting the next one belongs to it. */
  private skipLf = false;
  private first = true;
  private event: string | undefined;
  private data = '';
  private hasData = false;
  private id: string | undefined;
  private retry: number | undefined;

  constructor(options: SseDecoderOptions) {
    this.onMessage = options.onMessage;
    this.onComment = options.onComment;
    this.maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER;
  }

  feed(chunk: string): void {
    let text = this.pending === '' ? chunk : this.pending + chunk;
    this.pending = '';
    let pos = 0;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    if (this.skipLf && text.length > pos) {
      this.skipLf = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const length = text.length;
    // indexOf is much faster than a charCodeAt loop; a missing CR is remembered so CR-less streams scan once.
    let nextCr = text.indexOf('\r', pos);
    while (pos < length) {
      const nextLf = text.indexOf('\n', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      let end: number;
      if (nextLf === -1 && nextCr === -1) break;
      if (nextCr === -1 || (nextLf !== -1 && nextLf < nextCr)) {
        end = nextLf;
        this.line(text, pos, end);
        pos = end + 1;
      } else {
        end = nextCr;
        this.line(text, pos, end);
        pos = end + 1;
        if (pos === length) this.skipLf = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
    }
    if (pos < length) {
      text = pos === 0 ? text : text.slice(pos);
      if (text.length + this.data.length > this.maxBufferSize) {
        this.reset();
        throw new SseBufferOverflowError(`an event-stream line is longer than ${this.maxBufferSize} characters`);
      }
      this.pending = text;
    }
  }

  /** Forgets any partial line and message, as at the start of a new stream. */
  reset(): void {
    this.pending = '';
    this.skipLf = false;
    this.first = true;
    this.clearMessage();
  }

  private clearMessage(): void {
    this.event = undefined;
    this.data = '';
    this.hasData = false;
    this.id = undefined;
    this.retry = undefined;
  }

  private line(text: string, start: number, end: number): void {
    if (start === end) return this.dispatch();
    const colon = text.indexOf(':', start);
    if (colon === start) {
      this.onComment?.(text.slice(start + 1 < end && text.charCodeAt(start + 1) === 32 ? start + 2 : start + 1, end));
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1 || colon > end) {
      field = text.slice(start, end);
      value = '';
    } else {
      field = text.slice(start, colon);
      const valueStart = colon + 1 < end && text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = text.slice(valueStart, end);
    }
    switch (field) {
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value;
        this.hasData = true;
        if (this.data.length > this.maxBufferSize) {
          this.reset();
          throw new SseBufferOverflowError(`an event-stream message is larger than ${this.maxBufferSize} characters`);
        }
        return;
      case 'event':
        this.event = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        return;
    }
  }

  private dispatch(): void {
    if (this.hasData) {
      this.onMessage({ event: this.event === '' ? undefined : this.event, data: this.data, id: this.id, retry: this.retry });
    }
    this.clearMessage();
  }
}
