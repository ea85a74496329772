/**
 * Who a request acts for. Every request has one: `anonymous` until an
 * authentication hook sets the identity it verified (an API key, an OIDC
 * token). Limits, budgets and stored-response ownership key on `id`.
 */
export interface Principal {
  /** Stable and unique per identity within its kind (a key id, a token subject); never a secret. */
  readonly id: string;
  readonly kind: 'anonymous' | 'api_key' | 'oidc';
  /** A display name, for logs. */
  readonly name?: string;
  /** What the authenticator knows about the identity (claims, key metadata); never secrets. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The principal of every request no authentication hook has identified; shared, so it costs nothing per request. */
export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', attributes: Object.freeze({}) });

/**
 * How logs and stored-response ownership name a principal: `anonymous`, or
 * `kind:id` (`api_key:team-a`, `oidc:<subject>`), so kinds never collide.
 */
export function principalRef(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : `${principal.kind}:${principal.id}`;
}
