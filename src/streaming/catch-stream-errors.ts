/**
 * Turns a stream that may error into one that ends with a final `{type:
 * 'error'}` value instead, so the stages after it (metering, encoding) can
 * report the failure in-band (`response.failed`) rather than cut the client's
 * stream short. Cancellation passes through to the source.
 */
export function catchStreamErrors<T>(source: ReadableStream<T>): ReadableStream<T | { type: 'error'; error: unknown }> {
  if (errorSafe.has(source)) return source;
  const reader = source.getReader();
  return markErrorSafe(new ReadableStream<T | { type: 'error'; error: unknown }>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.enqueue({ type: 'error', error });
          controller.close();
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  ));
}

const errorSafe = new WeakSet<ReadableStream>();

/** Declares that `stream` never errors (its failures are in-band), so it is not wrapped again. */
export function markErrorSafe<S extends ReadableStream>(stream: S): S {
  errorSafe.add(stream);
  return stream;
}
