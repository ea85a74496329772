import type { Hono, MiddlewareHandler } from 'hono';
import type { CorsConfig } from '../config/schema.ts';
import { ForbiddenError } from '../errors/gateway-error.ts';
import type { AppEnv } from './app-env.ts';

/** Headers a browser page may read from an answer: what the OpenAI SDK looks at. */
const EXPOSED = 'x-request-id, retry-after, x-should-retry';

/**
 * The CORS policy of the /v1 routes (probes and the metrics path have none).
 * Without `server.cors` no answer carries CORS headers and every preflight is
 * refused, so no web page can call the gateway: its JSON bodies need a
 * preflight, and the "simple" bodies a page may send without one are not
 * JSON (415). With it, preflights from the allowed origins, for the allowed
 * methods and headers, are answered 204, and answers to those origins carry
 * `Access-Control-Allow-Origin`.
 */
export function corsPolicy(app: Hono<AppEnv>, config: CorsConfig | undefined): void {
  if (config) app.use('/v1/*', cors(config));
  // Middleware, not an OPTIONS route: a route would make every other /v1 path a 405 instead of a 404.
  else app.use('/v1/*', refusePreflight);
}

function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('origin') && request.headers.has('access-control-request-method');
}

/** No CORS configured: a preflight is refused; any other OPTIONS request goes on to its route (405). */
const refusePreflight: MiddlewareHandler<AppEnv> = async function refusePreflight(c, next) {
  if (!isPreflight(c.req.raw)) return next();
  throw new ForbiddenError('Cross-origin requests are not allowed: this gateway has no CORS policy (server.cors).', { code: 'cors_not_allowed' });
};

export function cors(config: CorsConfig): MiddlewareHandler<AppEnv> {
  const anyOrigin = config.allowed_origins.includes('*');
  const origins = new Set(config.allowed_origins);
  const methods = new Set(config.allowed_methods);
  const anyHeader = config.allowed_headers.includes('*');
  const headers = new Set(config.allowed_headers);
  const allowMethods = config.allowed_methods.join(', ');
  const allowHeaders = config.allowed_headers.join(', ');
  const maxAge = String(Math.floor(config.max_age / 1000));

  return async function corsMiddleware(c, next) {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const allowed = anyOrigin || origins.has(origin.toLowerCase());
    if (isPreflight(c.req.raw)) {
      const method = c.req.header('access-control-request-method')!.trim().toUpperCase();
      const requested = (c.req.header('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== '');
      if (!allowed) throw refused(`the origin is not in server.cors.allowed_origins`);
      if (!methods.has(method)) throw refused(`the method is not in server.cors.allowed_methods`);
      if (!anyHeader && !requested.every((h) => headers.has(h))) throw refused(`a requested header is not in server.cors.allowed_headers`);
      const answer = new Response(null, { status: 204 });
      answer.headers.set('access-control-allow-origin', anyOrigin ? '*' : origin);
      answer.headers.set('access-control-allow-methods', allowMethods);
      // `*` does not cover Authorization, so the requested headers are named back.
      if (anyHeader ? requested.length > 0 : allowHeaders !== '') answer.headers.set('access-control-allow-headers', anyHeader ? requested.join(', ') : allowHeaders);
      answer.headers.set('access-control-max-age', maxAge);
      if (!anyOrigin || anyHeader) answer.headers.set('vary', anyOrigin ? 'Access-Control-Request-Headers' : 'Origin, Access-Control-Request-Headers');
      return answer;
    }
    await next();
    if (!anyOrigin) c.res.headers.append('vary', 'Origin');
    if (!allowed) return;
    c.res.headers.set('access-control-allow-origin', anyOrigin ? '*' : origin);
    c.res.headers.set('access-control-expose-headers', EXPOSED);
  };
}

function refused(reason: string): ForbiddenError {
  return new ForbiddenError(`Cross-origin request refused: ${reason}.`, { code: 'cors_not_allowed' });
}
