/**
 * Aborts `to` when `from` aborts: a client that leaves while a non-streamed
 * answer is generated aborts the upstream call. (Streams notice the client
 * leaving through their own cancellation instead, which every runtime reports
 * the same way.)
 *
 * The reason passed on is always an AbortError: runtimes abort a request's
 * signal with whatever they like (@hono/node-server uses a plain string), and
 * code that rethrows the reason must throw an Error.
 */
export function linkAbort(from: AbortSignal, to: AbortController): () => void {
  const abort = () => to.abort(asAbortError(from.reason));
  if (from.aborted) abort();
  else from.addEventListener('abort', abort, { once: true });
  // Unlinks: a stream stops listening once its response exists (Deno aborts a request's signal after a response).
  return () => from.removeEventListener('abort', abort);
}

export function asAbortError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The client closed the connection.', 'AbortError');
}
