import { ServerResponse } from 'node:http';
import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import type { Abortable } from '../core/cancellation.ts';
import type { ClientAddress, ClientDeparture } from '../core/client-address.ts';

const WATCHED = Symbol('departure');
type Watched = HttpBindings['outgoing'] & { [WATCHED]?: Abortable | undefined };

/**
 * The peer as node:http saw it (a socket that has already closed has no
 * address), and its own notice of the client leaving: the response's `close`
 * before it finished, the way @hono/node-server aborts a request's signal.
 * Node makes that signal only when it is read, and making it costs more than
 * the rest of this, so the gateway listens here instead.
 */
export class NodePeer implements ClientAddress, ClientDeparture {
  readonly address: string;
  readonly port: number | undefined;
  /** node:http's responses are written by the adapter itself (writeDelivery); HTTP/2's are not. */
  readonly writesDeliveries: boolean;

  private constructor(
    socket: { remoteAddress?: string | undefined; remotePort?: number | undefined },
    private readonly outgoing: Watched,
  ) {
    this.address = socket.remoteAddress!;
    this.port = socket.remotePort;
    this.writesDeliveries = outgoing instanceof ServerResponse;
  }

  static of(env: HttpBindings | Http2Bindings): NodePeer | undefined {
    const socket = env.incoming.socket;
    return socket.remoteAddress === undefined ? undefined : new NodePeer(socket, env.outgoing as Watched);
  }

  get departure(): ClientDeparture {
    return this;
  }

  watch(to: Abortable): void {
    const outgoing = this.outgoing;
    // Gone already (while its body was read): the response has lost its socket unfinished.
    if (!outgoing.writableFinished && (outgoing.destroyed || !outgoing.socket || outgoing.socket.destroyed)) {
      to.abort(gone());
      return;
    }
    outgoing[WATCHED] = to;
    outgoing.once('close', closed);
  }

  unlink(): void {
    const outgoing = this.outgoing;
    if (outgoing[WATCHED] === undefined) return;
    outgoing[WATCHED] = undefined;
    outgoing.off('close', closed);
  }
}

/** One listener for every response (it reads its controller from the response): no closure per request. */
function closed(this: Watched): void {
  const to = this[WATCHED];
  this[WATCHED] = undefined;
  if (to && !this.writableFinished) to.abort(gone());
}

const gone = () => new DOMException('The client closed the connection.', 'AbortError');
