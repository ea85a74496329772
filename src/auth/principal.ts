/**
 * Who is calling. `id` is what limits and ownership are keyed on within its
 * kind: the configured key name for an API key, the configured claim's value
 * for an OIDC token, the client address for an anonymous caller. Only a
 * configured key name may ever become a metric label; an OIDC identity never.
 */
export interface Principal {
  readonly id: string;
  readonly kind: 'anonymous' | 'api_key' | 'oidc';
  /** For API keys, the configured name (the same as `id`). */
  readonly name?: string;
  /** Non-secret facts about the caller (for OIDC: the issuer). Never a key or a token. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The limiter's key for a principal: kinds never share a bucket, even when their ids are equal. */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}
