import { StoreUnavailableError } from '../errors/gateway-error.ts';

/**
 * Settles like `operation`, or rejects with a StoreUnavailableError after
 * `ms`: a store that stops answering (a half-open connection, a stalled
 * server) costs a request at most this long. The operation itself is left to
 * the client library's own timeouts.
 */
export function withDeadline<T>(operation: Promise<T>, ms: number, backend: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(backend, `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([operation, expired]).finally(() => clearTimeout(timer));
}
