import { Hono } from 'hono';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { CachedRouter } from './cached-router.ts';
import type { CorsConfig } from '../config/schema.ts';
import { corsPolicy } from '../middleware/cors.ts';
import type { RequestObserver } from '../core/request-observer.ts';
import { clientClosedRequest, MethodNotAllowedError, NotFoundError, toGatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';
import type { LiveStreams } from '../core/live-streams.ts';
import { quoteValue } from '../errors/quote-value.ts';
import type { Inflight } from '../core/inflight.ts';
import { traceFields } from '../core/request-scope.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { requestContext } from '../middleware/request-context.ts';
import { requestHooks, type RequestHooks } from '../middleware/request-hook.ts';
import { fromSelfRendering, isSelfRendering } from './self-rendered-error.ts';

/** Adds routes to an app. */
export type Routes = (app: Hono<AppEnv>) => void;

export interface AppOptions {
  logger: Logger;
  inflight: Inflight;
  /** Request observers by what they do; they begin in the documented order: tracing, then metrics. */
  observers?: { tracing?: RequestObserver; metrics?: RequestObserver };
  /** Checks every `/v1` request passes before its route (rate limiting, then authentication). */
  hooks?: RequestHooks;
  /** Probes and the metrics scrape: outside `/v1`, so no request hook ever applies to them. */
  operational: Routes;
  /** Cross-origin access to `/v1` (`server.cors`); absent: preflights refused. */
  cors?: CorsConfig | undefined;
  /** The API, mounted at `/v1` (routes are relative to it), behind the request hooks. */
  v1: Routes;
  /** The gateway's live streams (keep-alive comments, shutdown). */
  liveStreams?: LiveStreams;
  /** The share of successful requests whose access-log line is written (`logging.sample_rate`); default 1. */
  accessLogSampleRate?: number;
}

/**
 * The Hono app. Its shape is the policy: the request context (request id and
 * logging, then the tracing and metrics observers) runs for every request;
 * the operational routes sit on the root app; the API is a `/v1` sub-app whose
 * only middleware is the request hooks. Errors are OpenAI-shaped, unknown
 * routes 404, and known paths answer other methods with 405 and an `Allow`
 * built from the routes themselves.
 */
export function createApp({ logger, inflight, observers = {}, hooks = {}, operational, v1, liveStreams, cors, accessLogSampleRate = 1 }: AppOptions): Hono<AppEnv> {
  // Hono's default router, its static matches remembered (see CachedRouter).
  const app = new Hono<AppEnv>({ router: new CachedRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] })) });
  const ordered: RequestObserver[] = [];
  if (observers.tracing) ordered.push(observers.tracing);
  if (observers.metrics) ordered.push(observers.metrics);
  app.use('*', requestContext({ logger, inflight, observers: ordered, sampleRate: accessLogSampleRate, ...(liveStreams ? { liveStreams } : {}) }));
  app.notFound(function notFound(c) {
    return new NotFoundError(`Invalid URL (${quoteValue(c.req.method, 16).slice(1, -1)} ${quoteValue(c.req.path, 256).slice(1, -1)}).`, { code: 'not_found' }).toResponse();
  });
  app.onError(function onError(error, c) {
    const scope = c.get('scope');
    if (scope?.aborted) return clientClosedRequest();
    // An error that carries its own answer (Hono's HTTPException) keeps its status and headers.
    const failure = isSelfRendering(error) ? fromSelfRendering(error) : toGatewayError(error);
    if (scope) scope.error = failure.status === 500 && failure.cause !== undefined ? failure.cause : failure;
    if (failure.status >= 500) {
      logger.error('request failed', { request_id: scope?.id, ...(scope ? traceFields(scope) : {}), method: c.req.method, path: c.req.path, status: failure.status, error: failure.cause ?? failure });
    }
    return failure.toResponse();
  });

  operational(app);
  // Before the /v1 sub-app and its hooks: a preflight carries no credentials.
  corsPolicy(app, cors);
  const api = new Hono<AppEnv>();
  const hook = requestHooks(hooks);
  if (hook) api.use('*', hook);
  v1(api);
  app.route('/v1', api);
  methodNotAllowed(app);
  return app;
}

/** Answers 405 (with `Allow`) for every method a registered path does not serve; GET implies HEAD. */
function methodNotAllowed(app: Hono<AppEnv>): void {
  const allowed = new Map<string, string[]>();
  for (const { method, path } of app.routes) {
    // Middleware is registered for every method.
    if (method === 'ALL') continue;
    let methods = allowed.get(path);
    if (!methods) allowed.set(path, (methods = []));
    if (!methods.includes(method)) methods.push(method);
    if (method === 'GET' && !methods.includes('HEAD')) methods.push('HEAD');
  }
  for (const [path, methods] of allowed) {
    app.all(path, function methodNotAllowed(c) {
      throw new MethodNotAllowedError(c.req.method, c.req.path, methods);
    });
  }
}
