import { Hono } from 'hono';
import type { RequestObserver } from '../core/request-observer.ts';
import { clientClosedRequest, InternalServerError, MethodNotAllowedError, NotFoundError, toGatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';
import type { Inflight } from '../core/inflight.ts';
import { traceFields } from '../core/request-scope.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { requestContext } from '../middleware/request-context.ts';

export interface AppOptions {
  logger: Logger;
  inflight: Inflight;
  /** Observers of every request, in order (tracing, metrics). */
  observers?: readonly RequestObserver[];
}

/**
 * The Hono app with the parts every route shares: the request context
 * middleware, OpenAI-shaped errors, 404 for unknown routes. Routes are added
 * by the caller, then `finish` adds 405 answers for known paths.
 */
export function createApp({ logger, inflight, observers = [] }: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext({ logger, inflight, observers }));
  // Innermost: Hono gives onError only Errors; anything else thrown by a handler becomes one here,
  // so every middleware above (tracing, metrics) sees a normal answer and ends its work.
  app.use('*', async function errorBoundary(_c, next) {
    try {
      await next();
    } catch (error) {
      throw error instanceof Error ? error : new InternalServerError(undefined, { cause: error });
    }
  });
  app.notFound(function notFound(c) {
    return new NotFoundError(`Invalid URL (${c.req.method} ${c.req.path}).`, { code: 'not_found' }).toResponse();
  });
  app.onError(function onError(error, c) {
    const scope = c.get('scope');
    if (scope?.signal.aborted) return clientClosedRequest();
    const failure = toGatewayError(error);
    if (scope) scope.error = failure.status === 500 && failure.cause !== undefined ? failure.cause : failure;
    if (failure.status >= 500) {
      logger.error('request failed', { request_id: scope?.id, ...(scope ? traceFields(scope) : {}), method: c.req.method, path: c.req.path, status: failure.status, error: failure.cause ?? failure });
    }
    return failure.toResponse();
  });
  return app;
}

/** Answers 405 (with `Allow`) for every method a known path does not serve. */
export function methodNotAllowed(app: Hono<AppEnv>, routes: Readonly<Record<string, readonly string[]>>): void {
  for (const [path, allowed] of Object.entries(routes)) {
    app.all(path, function methodNotAllowed(c) {
      throw new MethodNotAllowedError(c.req.method, c.req.path, allowed);
    });
  }
}
