import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isIdentityProviderUrl, type OidcConfig } from '../config/schema.ts';
import { authFailure, type AuthFailure } from './auth-failure.ts';
import { boundedFetch, readResponseBounded, type FetchFunction } from './bounded-fetch.ts';
import type { Principal } from './principal.ts';

export interface OidcVerifierOptions {
  /** How discovery and JWKS requests are sent (default: the runtime's fetch). */
  fetch?: FetchFunction;
  /** After a JWKS fetch, how long before a token with an unknown `kid` may trigger another one. */
  jwksCooldownMs?: number;
  /** The longest a discovery or JWKS request may take. */
  fetchTimeoutMs?: number;
  /** The largest discovery document or JWKS accepted. */
  maxResponseBytes?: number;
  /** After a failed discovery, how long tokens are refused before it is tried again. */
  discoveryRetryMs?: number;
}

const DEFAULTS = { jwksCooldownMs: 60_000, fetchTimeoutMs: 5_000, maxResponseBytes: 256 * 1024, discoveryRetryMs: 10_000 };
/** Keys are refetched at least this often even when every `kid` is known, so a revoked key goes away. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const MAX_IDENTITY_LENGTH = 256;

/**
 * Verifies bearer JWTs from one OpenID Connect issuer: signature against the
 * issuer's published keys (only the configured asymmetric algorithms, so
 * `alg: none` and an HMAC made with a public key never pass), `iss` exactly,
 * `aud`, `exp` (required) and `nbf` with the configured clock skew. The caller
 * is the configured claim.
 */
export class OidcVerifier {
  private readonly options: Required<Omit<OidcVerifierOptions, 'fetch'>>;
  private readonly fetchImpl: FetchFunction;
  private keys: JWTVerifyGetKey | undefined;
  private discovery: Promise<JWTVerifyGetKey> | undefined;
  private discoveryFailedAt = -Infinity;
  private readonly attributes: Readonly<Record<string, string>>;

  constructor(
    private readonly config: OidcConfig,
    options: OidcVerifierOptions = {},
  ) {
    this.options = {
      jwksCooldownMs: options.jwksCooldownMs ?? DEFAULTS.jwksCooldownMs,
      fetchTimeoutMs: options.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      discoveryRetryMs: options.discoveryRetryMs ?? DEFAULTS.discoveryRetryMs,
    };
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.attributes = Object.freeze({ issuer: config.issuer });
    if (config.jwks_url) this.keys = this.remoteKeys(config.jwks_url);
  }

  async verify(token: string): Promise<Principal | AuthFailure> {
    let keys: JWTVerifyGetKey;
    try {
      keys = this.keys ?? (await this.discover());
    } catch {
      return authFailure('unavailable', 'The identity provider could not be reached to check the token; try again later.');
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clock_skew / 1000,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return failureFor(error);
    }
    const identity = payload[this.config.identity_claim];
    if (typeof identity !== 'string' || identity.length === 0 || identity.length > MAX_IDENTITY_LENGTH) {
      return authFailure('invalid_token', `Invalid token: it has no usable "${this.config.identity_claim}" claim.`);
    }
    return { id: identity, kind: 'oidc', attributes: this.attributes };
  }

  private remoteKeys(url: string): JWTVerifyGetKey {
    return createRemoteJWKSet(new URL(url), {
      timeoutDuration: this.options.fetchTimeoutMs,
      cooldownDuration: this.options.jwksCooldownMs,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      [customFetch]: boundedFetch(this.fetchImpl, this.options.maxResponseBytes),
    });
  }

  /** Finds `jwks_uri` in the issuer's discovery document once; a failure is retried only after a pause. */
  private discover(): Promise<JWTVerifyGetKey> {
    if (this.discovery) return this.discovery;
    if (performance.now() - this.discoveryFailedAt < this.options.discoveryRetryMs) {
      return Promise.reject(new Error('discovery failed recently'));
    }
    this.discovery = this.fetchDiscovery().then(
      (jwksUrl) => (this.keys = this.remoteKeys(jwksUrl)),
      (error: unknown) => {
        this.discovery = undefined;
        this.discoveryFailedAt = performance.now();
        throw error;
      },
    );
    return this.discovery;
  }

  private async fetchDiscovery(): Promise<string> {
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await this.fetchImpl(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`discovery answered ${response.status}`);
    }
    const document = JSON.parse(await readResponseBounded(response, this.options.maxResponseBytes)) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (document.issuer !== this.config.issuer) throw new Error('discovery document is for another issuer');
    if (typeof document.jwks_uri !== 'string' || !isIdentityProviderUrl(document.jwks_uri)) throw new Error('discovery document has no usable jwks_uri');
    return document.jwks_uri;
  }
}

/** jose's error → a failure reason and a message that names the problem but echoes nothing from the token. */
function failureFor(error: unknown): AuthFailure {
  if (error instanceof errors.JWTExpired) return authFailure('expired', 'Invalid token: it has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return authFailure('not_yet_valid', 'Invalid token: it is not valid yet.');
    return authFailure('invalid_token', `Invalid token: its "${error.claim}" claim is missing or not accepted.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return authFailure('invalid_token', 'Invalid token: its signature algorithm is not accepted.');
  if (error instanceof errors.JWSSignatureVerificationFailed) return authFailure('invalid_token', 'Invalid token: its signature does not verify.');
  if (error instanceof errors.JWKSNoMatchingKey) return authFailure('invalid_token', "Invalid token: it is not signed by one of the issuer's keys.");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError) || error.code === 'ERR_JOSE_GENERIC') {
    // The key set could not be fetched or read: the caller's token may well be fine.
    return authFailure('unavailable', 'The identity provider could not be reached to check the token; try again later.');
  }
  return authFailure('invalid_token', 'Invalid token.');
}
