import type { Pull } from './pull.ts';

/**
 * What a stage's transformer gets: TransformStreamDefaultController's
 * `enqueue` and `error`, collecting into the batch being made.
 */
interface BatchController<O> {
  enqueue(value: O): void;
  error(reason?: unknown): void;
  terminate(): void;
  readonly desiredSize: number;
}

/**
 * A standard Transformer (start, transform, flush; each may be async) run as
 * a pull stage: each batch of `source` goes through `transform` value by value
 * and what it enqueues is the next batch, so a chain of such stages costs no
 * stream hop per value. It behaves as `pipeThrough(new TransformStream(transformer))`
 * would for a consumer that reads it to the end or cancels it: `start` before
 * the first value, `flush` at the end, an error (thrown, or
 * `controller.error`) cancels the source and rejects.
 */
export function transformPull<I, O>(source: Pull<I>, transformer: Transformer<I, O>): Pull<O> {
  let out: O[] = [];
  let failed: { reason: unknown } | undefined;
  let terminated = false;
  let started = false;
  let ended = false;
  let cancelled = false;
  const controller: BatchController<O> = {
    enqueue(value) {
      out.push(value);
    },
    error(reason) {
      failed ??= { reason };
    },
    terminate() {
      terminated = true;
    },
    desiredSize: 1,
  };
  const ctl = controller as unknown as TransformStreamDefaultController<O>;

  return {
    async next() {
      try {
        if (!started) {
          started = true;
          if (transformer.start) await transformer.start(ctl);
        }
        for (;;) {
          if (failed) throw failed.reason;
          if (out.length > 0) {
            const ready = out;
            out = [];
            return ready;
          }
          if (ended) return undefined;
          if (terminated) {
            ended = true;
            await source.cancel();
            continue;
          }
          const batch = await source.next();
          // Cancelled while it waited: the consumer has gone, so no flush and no more values.
          if (cancelled) return undefined;
          if (batch === undefined) {
            ended = true;
            if (transformer.flush) await transformer.flush(ctl);
            continue;
          }
          const transforms = transformer.transform !== undefined;
          for (let i = 0; i < batch.length; i++) {
            if (transforms) {
              const pending = transformer.transform!(batch[i]!, ctl);
              if (pending) await pending;
            } else {
              out.push(batch[i] as unknown as O);
            }
            if (failed || terminated) break;
          }
        }
      } catch (error) {
        if (cancelled) return undefined;
        failed ??= { reason: error };
        const reason = failed.reason;
        if (!ended) {
          ended = true;
          await source.cancel(reason).catch(() => {});
        }
        throw reason;
      }
    },
    async cancel(reason) {
      if (cancelled) return;
      cancelled = ended = true;
      await (transformer as { cancel?: (reason: unknown) => unknown }).cancel?.(reason);
      await source.cancel(reason);
    },
  };
}
