import type { RequestScope } from '../core/request-scope.ts';
import type { ByteSink, LiveStream } from '../core/live-streams.ts';
import type { Pull } from './pull.ts';

/**
 * A streamed response body on its way to the client: one chunk of bytes per
 * batch of whole SSE events, each batch what one upstream read produced.
 * Whoever delivers it attaches the sink that keep-alive comments are written
 * to between batches.
 */
export interface Delivery extends Pull<Uint8Array> {
  attach(sink: ByteSink): void;
}

/**
 * The last stage before the client: ends the request scope when the body has
 * been handed over completely, or when the client goes away. Detecting a
 * disconnect by the stream's `cancel()` works the same on Node, Bun and Deno,
 * unlike `request.signal` (which Deno also fires after a normal response).
 *
 * While it runs, the stream is registered with the gateway's live streams
 * (`scope.liveStreams`), which write keep-alive comments into it during
 * silences: each batch of `source` must be whole SSE events, so a comment
 * always falls between two events. A stream whose terminal event was a
 * failure (`scope.error` set) ends with the outcome `failed`.
 *
 * The events are text (an encoder's output) or bytes (a background run's
 * kept events): each batch is encoded once, as one chunk.
 *
 * The result is an SSE response whose body is a standard stream with one
 * chunk per batch: one write per upstream read, however many events it held.
 * An adapter that writes to its socket itself takes the batches with
 * `takeDelivery` instead.
 */
export function deliveryResponse(source: Pull<string | Uint8Array>, scope: RequestScope, init: ResponseInit): Response {
  const delivery = deliveryOf(source, scope);
  const client = scope.client;
  if (client?.writesDeliveries) {
    const response = new Response(null, init);
    responses.set(response, delivery);
    byClient.set(client, delivery);
    return response;
  }
  const response = new Response(bodyOf(delivery), init);
  responses.set(response, delivery);
  return response;
}

/**
 * The delivery behind a response that `deliveryResponse` made, for an
 * adapter that writes the batches to its socket directly (no stream hop, one
 * write per batch) and attaches its own sink for keep-alive comments. The
 * response's body must then not be read: it fails if it is. Undefined for
 * any other response.
 */
export function takeDelivery(response: Response): Delivery | undefined {
  const delivery = responses.get(response);
  if (!delivery) return undefined;
  responses.delete(response);
  taken.add(delivery);
  return delivery;
}

/**
 * For an adapter whose client `writesDeliveries`: the delivery made for that
 * client's request that `takeDelivery` did not find, because the response
 * that reached the adapter is not the one made for it (middleware answered
 * something else, or copied it). The adapter must write it, if the response
 * is that stream's (it has no body of its own), or cancel it.
 */
export function takeClientDelivery(client: object): Delivery | undefined {
  const delivery = byClient.get(client);
  if (!delivery) return undefined;
  byClient.delete(client);
  if (taken.has(delivery)) return undefined;
  taken.add(delivery);
  return delivery;
}

const responses = new WeakMap<Response, Delivery>();
const byClient = new WeakMap<object, Delivery>();
const taken = new WeakSet<Delivery>();

/** The body as a standard stream: one chunk per batch. */
function bodyOf(delivery: Delivery): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        delivery.attach({
          get idle() {
            return (controller.desiredSize ?? -1) >= 0;
          },
          write: (chunk) => controller.enqueue(chunk),
        });
      },
      async pull(controller) {
        if (taken.has(delivery)) {
          controller.error(new TypeError('the body is being delivered by the adapter'));
          return;
        }
        let batch: Uint8Array[] | undefined;
        try {
          batch = await delivery.next();
        } catch (error) {
          controller.error(error);
          return;
        }
        if (batch === undefined) controller.close();
        else controller.enqueue(batch[0]!);
      },
      cancel(reason) {
        return delivery.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function deliveryOf(source: Pull<string | Uint8Array>, scope: RequestScope): Delivery {
  return new TrackedDelivery(source, scope);
}

// A class rather than closures: the Node entry point runs through tsx, whose function names
// (esbuild's keepNames) cost a defineProperty for each named closure made.
class TrackedDelivery implements Delivery {
  private readonly live: LiveStream | undefined;
  private over = false;

  constructor(
    private readonly source: Pull<string | Uint8Array>,
    private readonly scope: RequestScope,
  ) {
    scope.defer();
    const registry = scope.liveStreams;
    if (registry) registry.add((this.live = { scope, sink: undefined, wrote: true }));
  }

  attach(sink: ByteSink): void {
    if (this.live) this.live.sink = sink;
  }

  async next(): Promise<Uint8Array[] | undefined> {
    if (this.over) return undefined;
    let batch: Array<string | Uint8Array> | undefined;
    try {
      batch = await this.source.next();
    } catch (error) {
      this.finish('failed');
      throw error;
    }
    if (this.over) return undefined;
    if (batch === undefined) {
      this.finish(this.scope.error === undefined ? 'completed' : 'failed');
      return undefined;
    }
    if (this.live) this.live.wrote = true;
    const bytes = bytesOf(batch);
    this.scope.responseBytes += bytes.byteLength;
    return [bytes];
  }

  cancel(reason?: unknown): Promise<void> {
    this.finish('cancelled');
    return this.source.cancel(reason);
  }

  private finish(outcome: 'completed' | 'failed' | 'cancelled'): void {
    if (this.over) return;
    this.over = true;
    if (this.live) this.scope.liveStreams!.delete(this.live);
    this.scope.end(outcome);
  }
}

const encoder = new TextEncoder();

/** A batch as one chunk of bytes: text joined and encoded once, bytes copied once. */
function bytesOf(batch: Array<string | Uint8Array>): Uint8Array {
  if (batch.length === 1) {
    const only = batch[0]!;
    return typeof only === 'string' ? encoder.encode(only) : only;
  }
  let text = '';
  for (let i = 0; i < batch.length; i++) {
    const part = batch[i]!;
    if (typeof part !== 'string') return concatBytes(batch.map((p) => (typeof p === 'string' ? encoder.encode(p) : p)));
    text += part;
  }
  return encoder.encode(text);
}

/** The chunks of a batch as one. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
