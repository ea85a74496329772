import { pullOf, streamOf } from './pull.ts';

/**
 * Turns a stream that may error into one that ends with a final `{type:
 * 'error'}` value instead, so the stages after it (metering, encoding) can
 * report the failure in-band (`response.failed`) rather than cut the client's
 * stream short. Cancellation passes through to the source.
 */
export function catchStreamErrors<T>(stream: ReadableStream<T>): ReadableStream<T | { type: 'error'; error: unknown }> {
  if (errorSafe.has(stream)) return stream;
  const source = pullOf(stream);
  let ended = false;
  return markErrorSafe(streamOf<T | { type: 'error'; error: unknown }>({
    async next() {
      if (ended) return undefined;
      try {
        return await source.next();
      } catch (error) {
        ended = true;
        return [{ type: 'error', error }];
      }
    },
    cancel(reason) {
      ended = true;
      return source.cancel(reason);
    },
  }));
}

const errorSafe = new WeakSet<ReadableStream>();

/** Declares that `stream` never errors (its failures are in-band), so it is not wrapped again. */
export function markErrorSafe<S extends ReadableStream>(stream: S): S {
  errorSafe.add(stream);
  return stream;
}
