/**
 * A pull source of batches: how the gateway's stream stages hand values to
 * each other. One `next()` yields everything one upstream chunk produced
 * (several SSE events usually arrive in one read), so a stage's cost is per
 * chunk, not per event, and the stages call each other directly instead of
 * each being a web-stream hop (on Node 20 a TransformStream hop costs about
 * 1.4 µs per value, and every value it passes is a separate write to the
 * socket at the end).
 *
 * Where a stage's contract is a standard ReadableStream (a provider's
 * `stream`), `streamOf` makes one that carries its source, and `pullOf` takes
 * the source back out of a stream nobody has read, so chained stages run as
 * one pull pipeline while any other consumer (a test, `pipeThrough`, a
 * runtime's server) reads an ordinary stream with a single hop at the edge.
 * The gateway's own providers and wrappers also offer `streamPull`, and from
 * there on stages hand each other the `Pull` itself: on Node 20 a
 * ReadableStream costs about 11 µs to construct.
 */
export interface Pull<T> {
  /**
   * The next values, at least one, or undefined at the end. Rejects when the
   * source fails. A caller waits for each `next()` before the next call.
   */
  next(): Promise<T[] | undefined>;
  /** The consumer stopped reading: release what the source holds. */
  cancel(reason?: unknown): Promise<void>;
}

/** A stage's input: a pull source, or a standard stream (a provider's, a test's). */
export type Source<T> = ReadableStream<T> | Pull<T>;

/** Whether `source` is a pull source rather than a ReadableStream (which has no `next`). */
export function isPull<T>(source: Source<T>): source is Pull<T> {
  return typeof (source as Partial<Pull<T>>).next === 'function';
}

const SOURCE = Symbol('pull source');

interface Carrier<T> {
  [SOURCE]?: Pull<T>;
}

/**
 * A ReadableStream over `source` (values enqueued one by one, nothing read
 * ahead) that carries it for `pullOf`.
 */
export function streamOf<T>(source: Pull<T>): ReadableStream<T> {
  let queued: T[] | undefined;
  let at = 0;
  const stream = new ReadableStream<T>(
    {
      async pull(controller) {
        if (queued === undefined || at >= queued.length) {
          queued = await source.next();
          at = 0;
          if (queued === undefined) {
            controller.close();
            return;
          }
        }
        controller.enqueue(queued[at++]!);
      },
      cancel(reason) {
        return source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  ) as ReadableStream<T> & Carrier<T>;
  stream[SOURCE] = source;
  return stream;
}

/**
 * The batches of `stream`: itself when it is a pull source; its own source
 * when `streamOf` made it and nobody has read it (the stream is then locked,
 * so it cannot also be read), else a reader over it, one value a batch.
 */
export function pullOf<T>(stream: Source<T>): Pull<T> {
  if (isPull(stream)) return stream;
  const carried = (stream as Carrier<T>)[SOURCE];
  if (carried && !stream.locked) {
    stream.getReader();
    (stream as Carrier<T>)[SOURCE] = undefined;
    return carried;
  }
  const reader = stream.getReader();
  return {
    async next() {
      const { done, value } = await reader.read();
      return done ? undefined : [value];
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  };
}

/**
 * Marks a Response whose body can be handed over as a pull source without a
 * web stream being made for it: the property is a method returning that
 * source (the Node adapter's transport reads node:http sockets that way).
 */
export const BODY_PULL = Symbol('body pull');

/** The body of `response` as a pull source (its own when it offers one); undefined when it has no body. */
export function bodyPullOf(response: Response): Pull<Uint8Array> | undefined {
  const own = (response as { [BODY_PULL]?: () => Pull<Uint8Array> })[BODY_PULL];
  if (own) return own.call(response);
  return response.body ? pullOf(response.body) : undefined;
}
