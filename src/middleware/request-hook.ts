import type { Context, MiddlewareHandler } from 'hono';
import type { RequestScope } from '../core/request-scope.ts';
import type { AppEnv } from './app-env.ts';

/**
 * A check every `/v1` request passes before its route: it may wait (on Redis,
 * a JWKS fetch), set what it learnt on the scope (`scope.principal`), and
 * refuse the request by returning a response or throwing a GatewayError
 * (401, 403, 429). Returning nothing lets the request go on.
 */
export type RequestHook = (scope: RequestScope, c: Context<AppEnv>) => Promise<void | Response>;

/**
 * The `/v1` request hooks by what they do. They run in the documented order,
 * whatever order they are given in: rate limiting, then authentication, then
 * the route (logging, tracing and metrics run before all of them, in the
 * request context).
 */
export interface RequestHooks {
  rateLimit?: readonly RequestHook[];
  auth?: readonly RequestHook[];
}

const ORDER = ['rateLimit', 'auth'] as const satisfies ReadonlyArray<keyof RequestHooks>;

/** One middleware running every hook in order, or nothing when there are none (no cost per request). */
export function requestHooks(hooks: RequestHooks): MiddlewareHandler<AppEnv> | undefined {
  const list = ORDER.flatMap((phase) => hooks[phase] ?? []);
  if (list.length === 0) return undefined;
  return async function runRequestHooks(c, next) {
    const scope = c.get('scope');
    for (const hook of list) {
      const refusal = await hook(scope, c);
      if (refusal) return refusal;
    }
    await next();
  };
}
