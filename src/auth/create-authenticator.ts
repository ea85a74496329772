import type { GatewayConfig } from '../config/schema.ts';
import { ApiKeyVerifier } from './api-key-verifier.ts';
import { authFailure, type AuthFailure } from './auth-failure.ts';
import type { FetchFunction } from './bounded-fetch.ts';
import { OidcVerifier, type OidcVerifierOptions } from './oidc-verifier.ts';
import type { Principal } from './principal.ts';
import { readCredential } from './read-credential.ts';

/** Per-identity limits that override `rate_limit`'s defaults; what is unset comes from there. */
export interface LimitOverrides {
  readonly requests_per_second?: number;
  readonly burst?: number;
  readonly tokens_per_minute?: number;
}

/** What a principal may do beyond being let in. */
export interface AccessPolicy {
  /** Model names and aliases it may call; undefined: every configured model (and `provider/model`). */
  readonly models: ReadonlySet<string> | undefined;
  readonly limits: LimitOverrides | undefined;
  /** USD per UTC day; undefined: no budget. */
  readonly usdPerDay: number | undefined;
}

export interface Authenticator {
  /** Who sent these headers, or why they are refused. Never throws. */
  authenticate(headers: Headers): Promise<Principal | AuthFailure>;
  /** The policy of an authenticated principal (an OIDC caller, or a key without its own settings, has none). */
  policy(principal: Principal): AccessPolicy;
  /** Whether `principal` may call `model` (a name or an alias as the client sent it). */
  allowsModel(principal: Principal, model: string): boolean;
  /** Nothing runs in the background today; kept so the gateway can treat every component alike. */
  shutdown(): Promise<void>;
}

export interface AuthenticatorDeps extends Pick<OidcVerifierOptions, 'jwksCooldownMs' | 'fetchTimeoutMs' | 'maxResponseBytes' | 'discoveryRetryMs'> {
  fetch?: FetchFunction;
}

const OPEN: AccessPolicy = Object.freeze({ models: undefined, limits: undefined, usdPerDay: undefined });

/**
 * The authenticator for `auth`, or undefined when `auth.enabled` is false (then
 * nothing is built and every caller is anonymous).
 *
 * With both API keys and OIDC configured, a credential with a JWT's shape
 * (three base64url parts, the first starting `eyJ`) is checked as a token and
 * anything else as an API key; a JWT that fails is not retried as a key.
 */
export function createAuthenticator(config: Pick<GatewayConfig, 'auth' | 'models'>, deps: AuthenticatorDeps = {}): Authenticator | undefined {
  const { auth } = config;
  if (!auth.enabled) return undefined;
  const apiKeys = auth.api_keys.length > 0 ? new ApiKeyVerifier(auth.api_keys) : undefined;
  const oidc = auth.oidc ? new OidcVerifier(auth.oidc, deps) : undefined;
  const policies = new Map<string, AccessPolicy>();
  for (const key of auth.api_keys) {
    if (!key.models && !key.rate_limit && !key.budget) continue;
    policies.set(
      key.name,
      Object.freeze({ models: key.models ? allowedNames(key.models, config.models) : undefined, limits: key.rate_limit, usdPerDay: key.budget?.usd_per_day }),
    );
  }

  const policy = (principal: Principal): AccessPolicy => (principal.kind === 'api_key' && policies.get(principal.id)) || OPEN;

  return {
    async authenticate(headers) {
      const credential = readCredential(headers);
      if ('failure' in credential) return credential;
      if (credential.jwt && oidc) return oidc.verify(credential.value);
      if (apiKeys) {
        const principal = await apiKeys.verify(credential.value);
        return principal ?? authFailure('unknown_key', 'Incorrect API key provided.');
      }
      return authFailure('invalid_token', 'Invalid token: expected a JWT from the configured issuer.');
    },
    policy,
    allowsModel(principal, model) {
      const allowed = policy(principal).models;
      return allowed === undefined || allowed.has(model);
    },
    async shutdown() {},
  };
}

/** Every name of every model a list mentions, so a model allowed by name is allowed by its aliases too. */
function allowedNames(listed: readonly string[], models: GatewayConfig['models']): ReadonlySet<string> {
  const names = new Set<string>();
  for (const model of models) {
    const all = [model.name, ...model.aliases];
    if (all.some((name) => listed.includes(name))) for (const name of all) names.add(name);
  }
  return names;
}
