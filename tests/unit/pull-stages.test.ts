import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pullOf, streamOf, type Pull } from '../../src/streaming/pull.ts';
import { transformPull } from '../../src/streaming/transform-pull.ts';
import { deliveryResponse, takeDelivery } from '../../src/streaming/track-delivery.ts';
import { orphanDelivery } from '../../src/adapters/node-delivery.ts';
import { RequestScope, type Outcome } from '../../src/core/request-scope.ts';

/** A source of the given batches that records what was asked of it. */
function batches<T>(list: T[][], options: { failAt?: number; error?: unknown } = {}) {
  const log = { nexts: 0, cancelled: [] as unknown[] };
  let at = 0;
  const source: Pull<T> = {
    async next() {
      log.nexts++;
      if (options.failAt === at) throw options.error;
      return at < list.length ? list[at++] : undefined;
    },
    async cancel(reason) {
      log.cancelled.push(reason);
    },
  };
  return { source, log };
}

async function drain<T>(source: Pull<T>): Promise<T[][]> {
  const out: T[][] = [];
  for (let batch = await source.next(); batch !== undefined; batch = await source.next()) out.push(batch);
  return out;
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream as unknown as AsyncIterable<T>) out.push(value);
  return out;
}

describe('pull stages', () => {
  test('a stream made by streamOf gives its source back to pullOf, once, and is locked from then on', async () => {
    const { source } = batches([[1, 2], [3]]);
    const stream = streamOf(source);
    assert.equal(pullOf(stream), source);
    assert.ok(stream.locked, 'nobody else can read it');
    assert.throws(() => stream.getReader());
  });

  test('read as a standard stream, it yields every value of every batch in order, and cancel reaches the source', async () => {
    assert.deepEqual(await readAll(streamOf(batches([[1, 2], [3], [4, 5, 6]]).source)), [1, 2, 3, 4, 5, 6]);
    const { source, log } = batches([[1], [2]]);
    const reader = streamOf(source).getReader();
    assert.deepEqual(await reader.read(), { done: false, value: 1 });
    await reader.cancel('gone');
    assert.deepEqual(log.cancelled, ['gone']);
  });

  test('pullOf an ordinary stream reads it one value a batch, and cancels it', async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
        controller.enqueue(2);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const source = pullOf(stream);
    assert.deepEqual(await source.next(), [1]);
    assert.deepEqual(await source.next(), [2]);
    await source.cancel('stop');
    assert.equal(cancelled, 'stop');
  });

  test('transformPull: start first, each batch transformed value by value into one batch, flush at the end', async () => {
    const seen: string[] = [];
    const stage = transformPull<number, string>(batches([[1, 2], [3]]).source, {
      start(controller) {
        seen.push('start');
        controller.enqueue('head');
      },
      async transform(value, controller) {
        seen.push(`t${value}`);
        if (value !== 2) controller.enqueue(`v${value}`);
        controller.enqueue(`w${value}`);
      },
      flush(controller) {
        seen.push('flush');
        controller.enqueue('tail');
      },
    });
    assert.deepEqual(await drain(stage), [['head'], ['v1', 'w1', 'w2'], ['v3', 'w3'], ['tail']]);
    assert.deepEqual(seen, ['start', 't1', 't2', 't3', 'flush']);
    assert.equal(await stage.next(), undefined, 'ended stays ended');
  });

  test('transformPull: a batch that produces nothing is skipped, not returned empty', async () => {
    const stage = transformPull<number, number>(batches([[1], [2], [3]]).source, {
      transform(value, controller) {
        if (value === 3) controller.enqueue(value);
      },
    });
    assert.deepEqual(await drain(stage), [[3]]);
  });

  test('transformPull: a transform that throws, or errors the controller, cancels the source and rejects with that error', async () => {
    for (const fail of ['throw', 'error'] as const) {
      const { source, log } = batches([[1, 2, 3]]);
      const boom = new Error(`boom by ${fail}`);
      const stage = transformPull<number, number>(source, {
        transform(value, controller) {
          if (value === 2) {
            if (fail === 'throw') throw boom;
            controller.error(boom);
            return;
          }
          controller.enqueue(value);
        },
      });
      await assert.rejects(stage.next(), boom);
      assert.deepEqual(log.cancelled, [boom]);
      await assert.rejects(stage.next(), boom, 'a failed stage keeps failing');
    }
  });

  test('transformPull: a failing source cancels nothing more and rejects with its error; flush is not called', async () => {
    const boom = new Error('source broke');
    let flushed = false;
    const stage = transformPull<number, number>(batches([[1]], { failAt: 1, error: boom }).source, {
      flush() {
        flushed = true;
      },
    });
    assert.deepEqual(await stage.next(), [1]);
    await assert.rejects(stage.next(), boom);
    assert.equal(flushed, false);
  });

  test('transformPull: cancelled while it waits for the source, it ends without flush and cancels the source', async () => {
    let release!: (batch: number[] | undefined) => void;
    const cancelled: unknown[] = [];
    const source: Pull<number> = {
      next: () => new Promise((resolve) => (release = resolve)),
      async cancel(reason) {
        cancelled.push(reason);
      },
    };
    let flushed = false;
    const stage = transformPull<number, number>(source, {
      flush(controller) {
        flushed = true;
        controller.enqueue(-1);
      },
    });
    const pending = stage.next();
    await new Promise((resolve) => setImmediate(resolve));
    await stage.cancel('client gone');
    release(undefined);
    assert.equal(await pending, undefined);
    assert.equal(flushed, false, 'a cancelled stage does not flush: its consumer has gone');
    assert.deepEqual(cancelled, ['client gone']);
  });

  test('the delivery stage sends each batch as one chunk: text joined and encoded once, text and bytes together, bytes counted in UTF-8', async () => {
    const outcomes: Outcome[] = [];
    const scope = new RequestScope('req_1', (_scope, outcome) => outcomes.push(outcome));
    const bytes = (text: string) => new TextEncoder().encode(text);
    const { source } = batches<string | Uint8Array>([['event: a\ndata: {"t":"é"}\n\n', 'data: [DONE]\n\n'], [bytes('data: 1\n\n'), 'data: 2\n\n'], [bytes('data: 3\n\n')], ['data: 4\n\n']]);
    const response = deliveryResponse(source, scope, { headers: { 'content-type': 'text/event-stream' } });
    const chunks = (await readAll(response.body!)).map((chunk) => new TextDecoder().decode(chunk));
    assert.deepEqual(chunks, ['event: a\ndata: {"t":"é"}\n\ndata: [DONE]\n\n', 'data: 1\n\ndata: 2\n\n', 'data: 3\n\n', 'data: 4\n\n']);
    assert.equal(scope.responseBytes, bytes(chunks.join('')).byteLength);
    assert.equal(scope.responseBytes, chunks.join('').length + 1);
    assert.deepEqual(outcomes, ['completed']);
  });

  test('for a client whose adapter writes deliveries, the response has no body stream; the adapter takes the delivery, or finds it when the response was copied, or cancels it when another answer replaced it', async () => {
    const direct = { address: '127.0.0.1', writesDeliveries: true };
    const make = (id: string) => {
      const outcomes: Outcome[] = [];
      const scope = new RequestScope(id, (_scope, outcome) => outcomes.push(outcome));
      scope.client = direct;
      const { source, log } = batches<string>([['data: 1\n\n'], ['data: 2\n\n']]);
      const response = deliveryResponse(source, scope, { headers: { 'content-type': 'text/event-stream' } });
      return { scope, outcomes, log, response };
    };
    const read = async (delivery: Pull<Uint8Array>) => (await drain(delivery)).flat().map((c) => new TextDecoder().decode(c));

    const taken = make('req_direct');
    assert.equal(taken.response.body, null, 'no stream is made that nobody reads');
    assert.deepEqual(await read(takeDelivery(taken.response)!), ['data: 1\n\n', 'data: 2\n\n']);
    assert.deepEqual(taken.outcomes, ['completed']);
    assert.equal(orphanDelivery(direct, taken.response), undefined, 'a delivery is taken once');

    const copied = make('req_copied');
    const copy = new Response(null, { status: 200, headers: { 'content-type': 'text/event-stream', 'x-added': 'by middleware' } });
    assert.equal(takeDelivery(copy), undefined);
    assert.deepEqual(await read(orphanDelivery(direct, copy)!), ['data: 1\n\n', 'data: 2\n\n']);
    assert.deepEqual(copied.outcomes, ['completed']);

    const replaced = make('req_replaced');
    const error = new Response('{"error":{}}', { status: 500, headers: { 'content-type': 'application/json' } });
    assert.equal(orphanDelivery(direct, error), undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(replaced.outcomes, ['cancelled'], 'the stream nobody will send ends its request');
    assert.equal(replaced.log.cancelled.length, 1, 'and releases its source');

    // A client without the flag (Bun, Deno, in process) gets the standard stream.
    const outcomes: Outcome[] = [];
    const scope = new RequestScope('req_stream', (_scope, outcome) => outcomes.push(outcome));
    scope.client = { address: '127.0.0.1' };
    const { source } = batches<string>([['data: 3\n\n']]);
    const response = deliveryResponse(source, scope, { headers: { 'content-type': 'text/event-stream' } });
    assert.deepEqual((await readAll(response.body!)).map((c) => new TextDecoder().decode(c as Uint8Array)), ['data: 3\n\n']);
  });

  test('transformPull, read as a stream, gives the same as pipeThrough(new TransformStream(transformer)), for an ordinary source and a pull stage', async () => {
    const transformer = (): Transformer<number, number> => ({
      start: (c) => c.enqueue(0),
      transform: (v, c) => {
        c.enqueue(v * 10);
        c.enqueue(v * 10 + 1);
      },
      flush: (c) => c.enqueue(99),
    });
    const source = () =>
      new ReadableStream<number>({
        start(controller) {
          for (const v of [1, 2, 3]) controller.enqueue(v);
          controller.close();
        },
      });
    const piped = await readAll(source().pipeThrough(new TransformStream(transformer())));
    assert.deepEqual(await readAll(streamOf(transformPull(pullOf(source()), transformer()))), piped);
    assert.deepEqual(await readAll(streamOf(transformPull(pullOf(streamOf(batches([[1, 2], [3]]).source)), transformer()))), piped);
  });
});
