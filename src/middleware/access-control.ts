import { createAuthenticator, type AuthenticatorDeps } from '../auth/create-authenticator.ts';
import { principalKey } from '../auth/principal.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Lifecycle } from '../core/lifecycle.ts';
import type { Principal } from '../core/principal.ts';
import type { RequestScope } from '../core/request-scope.ts';
import { redact } from '../errors/redact.ts';
import { accessSeries } from '../observability/access-series.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.ts';
import type { CallHook } from '../pipeline/call-hook.ts';
import { modelAccessHook } from '../pipeline/model-access-hook.ts';
import { usageChargeHook } from '../pipeline/usage-charge-hook.ts';
import { clientAddressResolver } from '../rate-limit/client-address.ts';
import { createRateLimiter, type LimitPolicy, type RateLimiterDeps } from '../rate-limit/create-rate-limiter.ts';
import { failureReporter } from '../rate-limit/failure-reporter.ts';
import type { DailySpend } from '../rate-limit/rate-limiter.ts';
import { authHook } from './auth-hook.ts';
import { rateLimitHook } from './rate-limit-hook.ts';
import type { RequestHook } from './request-hook.ts';

export interface AccessControlDeps {
  logger: Logger;
  metrics?: GatewayMetrics | undefined;
  /** The memory limiter's clock (ms since the epoch). */
  now?: () => number;
  authenticator?: AuthenticatorDeps;
  limiter?: Pick<RateLimiterDeps, 'redis'>;
}

/** What `auth` and `rate_limit` add to a gateway; every list is empty when both are off. */
export interface AccessControl {
  /** Request hooks of the rate-limit phase: limits of anonymous callers, by client address. */
  readonly rateLimit: RequestHook[];
  /** Request hooks of the auth phase: authentication, then the limits of the identity it found. */
  readonly auth: RequestHook[];
  /** Model allow-lists (before) and usage charging (after). */
  readonly callHooks: CallHook[];
  /** The authenticator and the limiter, in start order, for the gateway's lifecycle list. */
  readonly parts: Array<[string, Lifecycle]>;
  /** The models a principal may see in `GET /v1/models`; undefined: all of them. */
  visibleModels: ((principal: Principal) => ReadonlySet<string> | undefined) | undefined;
  /** Whether a principal may use a model (its allow-list), for what is not a model call (counting input tokens); undefined: any. */
  allowsModel: ((principal: Principal, model: string) => boolean) | undefined;
}

/**
 * Builds authentication and rate limiting from the config, and where each
 * runs. The documented order is rate limiting, then authentication, but an
 * identity's limits need the identity: so with authentication off the
 * rate-limit phase limits each caller by its client address, and with it on
 * the identity's limits are checked right after it has been verified (a
 * request without a valid credential is refused before it can spend
 * anything). Token and budget use is charged after each call.
 */
export function accessControl(config: GatewayConfig, deps: AccessControlDeps): AccessControl {
  const { logger } = deps;
  const access: AccessControl = { rateLimit: [], auth: [], callHooks: [], parts: [], visibleModels: undefined, allowsModel: undefined };
  if (!config.auth.enabled && !config.rate_limit.enabled) return access;
  // Budgets are enforced (and their gauges exist) only with authentication and the limiter both on.
  const budgeted = config.auth.enabled && config.rate_limit.enabled ? config.auth.api_keys.flatMap((key) => (key.budget ? [{ name: key.name, usdPerDay: key.budget.usd_per_day }] : [])) : [];
  const series = deps.metrics ? accessSeries(deps.metrics, budgeted) : undefined;

  const authenticator = createAuthenticator(config, deps.authenticator);
  if (authenticator) {
    access.parts.push(['authenticator', authenticator]);
    access.auth.push(authHook(authenticator, series?.authFailures));
    if (config.auth.api_keys.some((key) => key.models)) {
      access.callHooks.push(modelAccessHook(authenticator));
      access.visibleModels = (principal) => authenticator.policy(principal).models;
      access.allowsModel = (principal, model) => authenticator.allowsModel(principal, model);
    }
  }

  const limits = config.rate_limit;
  const secrets = limits.backend === 'redis' ? [redisPassword(limits.url)] : [];
  const report = failureReporter({
    log: (error, suppressed) =>
      logger.warn('rate limiter unavailable', {
        backend: limits.backend,
        failure_mode: limits.backend === 'redis' ? limits.failure_mode : undefined,
        suppressed,
        error: redact(error instanceof Error ? error.message : String(error), secrets),
      }),
  });
  const limiter = createRateLimiter(limits, { ...(deps.now ? { now: deps.now } : {}), ...deps.limiter, onError: report });
  if (!limiter) return access;
  access.parts.push(['rate-limiter', limiter]);
  // An API key's own limits and budget; the authenticator keeps one frozen policy per key, so the limiter resolves it once.
  const policyOf = authenticator ? (scope: RequestScope): LimitPolicy => authenticator.policy(scope.principal) : undefined;
  if (authenticator) {
    access.auth.push(rateLimitHook({ limiter, identify: (scope) => principalKey(scope.principal), policyOf, series }));
  } else {
    const resolve = clientAddressResolver(limits.trusted_proxies);
    access.rateLimit.push(
      rateLimitHook({ limiter, identify: (scope, c) => `address:${resolve(scope.client?.address, c.req.header('x-forwarded-for') ?? null)}`, series }),
    );
  }
  const charged = limits.tokens_per_minute > 0 || config.auth.api_keys.some((key) => key.budget || (key.rate_limit?.tokens_per_minute ?? 0) > 0);
  const budgets = series?.budgets;
  // The spent gauge is keyed by configured key name; other principals (OIDC subjects) never get a series.
  const onSpend =
    budgets && budgets.size > 0
      ? (scope: RequestScope, spend: DailySpend) => {
          if (scope.principal.kind === 'api_key') budgets.get(scope.principal.id)?.set(spend);
        }
      : undefined;
  if (charged) access.callHooks.push(usageChargeHook(limiter, config.models, policyOf, onSpend));
  return access;
}

function redisPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
