import type { RequestScope } from '../core/request-scope.ts';

/**
 * The last stage before the client: ends the request scope when the body has
 * been handed over completely, or when the client goes away. Detecting a
 * disconnect by the stream's `cancel()` works the same on Node, Bun and Deno,
 * unlike `request.signal` (which Deno also fires after a normal response).
 */
export function trackDelivery(source: ReadableStream<Uint8Array>, scope: RequestScope): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  scope.defer();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            scope.end('completed');
          } else {
            scope.responseBytes += value.byteLength;
            controller.enqueue(value);
          }
        } catch (error) {
          scope.end('failed');
          controller.error(error);
        }
      },
      cancel(reason) {
        scope.end('cancelled');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
