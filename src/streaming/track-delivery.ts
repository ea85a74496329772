import type { RequestScope } from '../core/request-scope.ts';
import type { LiveStream } from '../core/live-streams.ts';

/**
 * The last stage before the client: ends the request scope when the body has
 * been handed over completely, or when the client goes away. Detecting a
 * disconnect by the stream's `cancel()` works the same on Node, Bun and Deno,
 * unlike `request.signal` (which Deno also fires after a normal response).
 *
 * While it runs, the stream is registered with the gateway's live streams
 * (`scope.liveStreams`), which write keep-alive comments into it during
 * silences: each chunk of `source` must be whole SSE events, so a comment
 * always falls between two events. A stream whose terminal event was a
 * failure (`scope.error` set) ends with the outcome `failed`.
 */
export function trackDelivery(source: ReadableStream<Uint8Array>, scope: RequestScope): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const registry = scope.liveStreams;
  let live: LiveStream | undefined;
  scope.defer();
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (registry) registry.add((live = { scope, controller, wrote: true }));
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            if (live) registry!.delete(live);
            controller.close();
            scope.end(scope.error === undefined ? 'completed' : 'failed');
          } else {
            if (live) live.wrote = true;
            scope.responseBytes += value.byteLength;
            controller.enqueue(value);
          }
        } catch (error) {
          if (live) registry!.delete(live);
          scope.end('failed');
          controller.error(error);
        }
      },
      cancel(reason) {
        if (live) registry!.delete(live);
        scope.end('cancelled');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
