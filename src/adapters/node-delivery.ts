import type { ServerResponse } from 'node:http';
import { takeClientDelivery, type Delivery } from '../streaming/track-delivery.ts';

/**
 * Writes a streamed response to node:http itself: the status and headers,
 * then each batch of the delivery (what one upstream read produced, however
 * many events) as one write, waiting for 'drain' when the client
 * reads slowly. Keep-alive comments go to the socket only when nothing is
 * waiting in it. A client that goes away cancels the delivery (the upstream
 * request is stopped with it); a delivery that fails destroys the connection,
 * as a body stream that errors does.
 */
export async function writeDelivery(response: Response, delivery: Delivery, outgoing: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  let closed = false;
  let wake: (() => void) | undefined;
  outgoing.on('close', () => {
    closed = true;
    wake?.();
    if (!outgoing.writableFinished) void delivery.cancel(new Error('the client closed the connection')).catch(() => {});
  });
  outgoing.on('drain', () => wake?.());
  delivery.attach({
    get idle() {
      return !closed && outgoing.writableLength === 0;
    },
    write(chunk) {
      if (closed) throw new Error('closed');
      outgoing.write(chunk);
    },
  });
  outgoing.writeHead(response.status, headers);
  outgoing.flushHeaders();
  try {
    for (;;) {
      const batch = await delivery.next();
      if (closed) return;
      if (batch === undefined) break;
      // One write (a batch is one chunk): node:http frames every write as its own chunk, corked or not.
      for (let i = 0; i < batch.length; i++) outgoing.write(batch[i]!);
      if (outgoing.writableNeedDrain) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (closed) return;
      }
    }
    outgoing.end();
  } catch (error) {
    outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The delivery of this request's stream when the response that came back is
 * not the one made for it: written if the response is still that stream's (an
 * event stream without a body of its own, e.g. copied by middleware), else
 * cancelled, so that its request ends.
 */
export function orphanDelivery(peer: object, response: Response): Delivery | undefined {
  const delivery = takeClientDelivery(peer);
  if (!delivery) return undefined;
  if (response.body === null && response.headers.get('content-type')?.startsWith('text/event-stream')) return delivery;
  void delivery.cancel(new Error('the response made for the stream was replaced')).catch(() => {});
  return undefined;
}
