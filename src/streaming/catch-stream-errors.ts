import { pullOf, streamOf, type Pull, type Source } from './pull.ts';

/**
 * The batches of a stream that may error, ending with a final `{type:
 * 'error'}` value instead, so the stages after it (encoding) can report the
 * failure in-band (`response.failed`) rather than cut the client's stream
 * short. Cancellation passes through to the source. A pull stage: no web
 * stream is made for it, and none at all when `stream` already never errors.
 */
export function catchPullErrors<T>(stream: Source<T>): Pull<T | { type: 'error'; error: unknown }> {
  if (errorSafe.has(stream)) return pullOf(stream);
  return watchPull(pullOf(stream), IGNORE as StreamWatcher<T>);
}

const nothing = (): void => {};
const IGNORE: StreamWatcher<unknown> = { batch: nothing, failed: nothing, ended: nothing, cancelled: nothing };

/** What a watching stage is told of the stream passing through it (see watchStream). */
export interface StreamWatcher<T> {
  /** Each batch, before it goes on. */
  batch(values: T[]): void;
  /** The source failed: this error becomes the stream's last value. */
  failed(error: unknown): void;
  /** The source ended (after its last batch). */
  ended(): void;
  /** The consumer cancelled. */
  cancelled(reason: unknown): void;
}

/**
 * Passes `stream` through unchanged and tells `watcher` what goes by, as a
 * pull stage (no hop of its own): a source that errors ends with the in-band
 * `{type: 'error'}` value instead, as catchPullErrors does, so the stages
 * after it need no hop to catch it.
 */
export function watchStream<T>(stream: Source<T>, watcher: StreamWatcher<T>): ReadableStream<T | { type: 'error'; error: unknown }> {
  return markErrorSafe(streamOf(watchPull(pullOf(stream), watcher)));
}

/** watchStream as a pull source: what the gateway's own stages hand each other (no ReadableStream is made). */
export function watchSource<T>(stream: Source<T>, watcher: StreamWatcher<T>): Pull<T | { type: 'error'; error: unknown }> {
  return markErrorSafe(watchPull(pullOf(stream), watcher));
}

function watchPull<T>(source: Pull<T>, watcher: StreamWatcher<T>): Pull<T | { type: 'error'; error: unknown }> {
  let ended = false;
  return {
    async next() {
      if (ended) return undefined;
      let batch: T[] | undefined;
      try {
        batch = await source.next();
      } catch (error) {
        ended = true;
        watcher.failed(error);
        return [{ type: 'error', error }];
      }
      if (batch === undefined) {
        ended = true;
        watcher.ended();
        return undefined;
      }
      watcher.batch(batch);
      return batch;
    },
    cancel(reason) {
      ended = true;
      watcher.cancelled(reason);
      return source.cancel(reason);
    },
  };
}

const errorSafe = new WeakSet<object>();

/** Declares that `stream` never errors (its failures are in-band), so it is not wrapped again. */
export function markErrorSafe<S extends object>(stream: S): S {
  errorSafe.add(stream);
  return stream;
}
