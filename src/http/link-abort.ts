/**
 * Aborts `to` when `from` aborts: a client that leaves while a non-streamed
 * answer is generated aborts the upstream call. (Streams notice the client
 * leaving through their own cancellation instead, which every runtime reports
 * the same way.)
 */
export function linkAbort(from: AbortSignal, to: AbortController): void {
  if (from.aborted) to.abort(from.reason);
  else from.addEventListener('abort', () => to.abort(from.reason), { once: true });
}
