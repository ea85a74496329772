/**
 * The other end of the connection, as the runtime adapter saw it: the peer's
 * IP address and port, not anything a client claims in headers
 * (`x-forwarded-for` is a deployment's business, behind a proxy it trusts).
 */
export interface ClientAddress {
  readonly address: string;
  readonly port?: number;
}
