import type { Abortable } from '../core/cancellation.ts';

/**
 * Aborts `to` when `from` aborts: a client that leaves while a non-streamed
 * answer is generated aborts the upstream call. (Streams notice the client
 * leaving through their own cancellation instead, which every runtime reports
 * the same way.)
 *
 * The reason passed on is always an AbortError: runtimes abort a request's
 * signal with whatever they like (@hono/node-server uses a plain string), and
 * code that rethrows the reason must throw an Error.
 *
 * The link is its own listener (`handleEvent`), so linking a request costs one
 * small object and no closures.
 */
export function linkAbort(from: AbortSignal, to: Abortable): AbortLink {
  return new AbortLink(from, to);
}

export class AbortLink {
  constructor(
    private readonly from: AbortSignal,
    private readonly to: Abortable,
  ) {
    if (from.aborted) this.handleEvent();
    else from.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    this.to.abort(asAbortError(this.from.reason));
  }

  /** Stops listening: a stream does once its response exists (Deno aborts a request's signal after a response). */
  unlink(): void {
    this.from.removeEventListener('abort', this);
  }
}

export function asAbortError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The client closed the connection.', 'AbortError');
}
