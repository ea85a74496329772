import type { RequestScope } from './request-scope.ts';

const KEEP_ALIVE = new TextEncoder().encode(': keep-alive\n\n');

/** Where a live stream's bytes go: the response body's controller, or an adapter's socket. */
export interface ByteSink {
  /** Nothing is waiting to be sent: a comment now would not pile up behind unread data. */
  readonly idle: boolean;
  /** Sends `chunk`; throws when the response has been closed. */
  write(chunk: Uint8Array): void;
}

/** One SSE response on its way to a client, as the ticker sees it. */
export interface LiveStream {
  readonly scope: RequestScope;
  /** Set by whoever delivers the response (undefined until then). */
  sink: ByteSink | undefined;
  /** Set by the stream on every write; the ticker clears it. */
  wrote: boolean;
}

/**
 * The gateway's live SSE responses, and one ticker over all of them: at each
 * tick of `server.sse_keepalive`, a stream that wrote nothing since the last
 * tick gets a comment, so no proxy and no runtime idle timeout sees a live
 * stream as idle (the longest silence on the wire is under two periods). A
 * write costs the stream one boolean store; there is no timer per stream or
 * per event. The ticker runs only while streams are live.
 */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  /** `keepAliveMs` 0: no comments (the streams are still tracked, for shutdown). */
  constructor(private readonly keepAliveMs: number) {}

  get size(): number {
    return this.streams.size;
  }

  add(stream: LiveStream): void {
    this.streams.add(stream);
    if (this.keepAliveMs > 0 && this.ticker === undefined) {
      this.ticker = setInterval(this.tick, this.keepAliveMs);
      // Node and Bun: a ticker alone must not keep the process alive (Deno's timers are numbers).
      (this.ticker as { unref?: () => void }).unref?.();
    }
  }

  delete(stream: LiveStream): void {
    this.streams.delete(stream);
  }

  /**
   * Ends every live stream with `reason` as its failure (shutdown): each gets
   * its terminal event (`response.failed`, the chat error chunk) through the
   * normal path, since aborting the request stops its upstream call.
   */
  interrupt(reason: Error): void {
    for (const stream of this.streams) {
      stream.scope.controller.abort(reason);
    }
  }

  /** Stops the ticker (shutdown); streams added later start it again. */
  stop(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private readonly tick = (): void => {
    // Stopped lazily, at a tick that finds nothing live, so back-to-back streams share one interval.
    if (this.streams.size === 0) return this.stop();
    for (const stream of this.streams) {
      if (stream.wrote) {
        stream.wrote = false;
        // Only when nothing is queued: a client that is not reading gets no pile of comments.
      } else if (stream.sink?.idle) {
        try {
          stream.sink.write(KEEP_ALIVE);
          stream.scope.responseBytes += KEEP_ALIVE.byteLength;
        } catch {
          // Closed under us (a runtime that ended the response without cancel): nothing to keep alive.
          this.streams.delete(stream);
        }
      }
    }
  };
}
