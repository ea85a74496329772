import type { Abortable } from './cancellation.ts';

/**
 * The other end of the connection, as the runtime adapter saw it: the peer's
 * IP address and port, not anything a client claims in headers
 * (`x-forwarded-for` is a deployment's business, behind a proxy it trusts).
 */
export interface ClientAddress {
  readonly address: string;
  readonly port?: number;
  /**
   * The adapter's own notice of the client leaving, when it has one cheaper
   * than `request.signal` (Node's: the signal is made for the asking, at
   * several microseconds a request). Without it, the request's signal is used.
   */
  readonly departure?: ClientDeparture;
  /**
   * The adapter writes a streamed answer to its socket itself (`takeDelivery`):
   * the answer's Response then gets no body stream (on Node 20 a ReadableStream
   * costs about 11 µs to make, and nobody would read it).
   */
  readonly writesDeliveries?: boolean;
}

/** Tells the request's cancellation that the client went away before its response was finished. */
export interface ClientDeparture {
  /** From now on, the client leaving aborts `to` with an AbortError. */
  watch(to: Abortable): void;
  /** No longer: the response exists (a stream notices the client leaving through its own cancellation). */
  unlink(): void;
}
