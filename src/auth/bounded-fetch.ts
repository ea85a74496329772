import { readBounded } from '../core/read-bounded.ts';

/** The fetch the identity-provider clients use (the runtime's, unless a test or an embedder passes one). */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** A response that is not worth reading: too large, or not 200. */
export class IdentityProviderResponseError extends Error {
  override name = 'IdentityProviderResponseError';
}

/**
 * Reads a response body as text, refusing it as soon as it passes `maxBytes`
 * (by Content-Length, or while it streams), so that an identity provider
 * that misbehaves cannot make the gateway buffer without bound.
 */
export async function readResponseBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new IdentityProviderResponseError(`response larger than ${maxBytes} bytes`);
  }
  const bytes = await readBounded(response.body, maxBytes);
  if (!bytes) throw new IdentityProviderResponseError(`response larger than ${maxBytes} bytes`);
  return new TextDecoder().decode(bytes);
}

/** A fetch whose answers carry a body of at most `maxBytes` (for jose's JWKS client, which reads whatever it gets). */
export function boundedFetch(fetchImpl: FetchFunction, maxBytes: number): FetchFunction {
  return async function fetchBounded(url, init) {
    const response = await fetchImpl(url, init);
    const text = await readResponseBounded(response, maxBytes);
    return new Response(text, { status: response.status, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' } });
  };
}
