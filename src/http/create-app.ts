import { Hono } from 'hono';
import type { RequestObserver } from './request-observer.ts';
import { clientClosedRequest, InternalServerError, MethodNotAllowedError, NotFoundError, toGatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';
import type { LiveStreams } from '../streaming/live-streams.ts';
import { quoteValue } from '../errors/quote-value.ts';
import type { Inflight } from './inflight.ts';
import { traceFields } from './request-scope.ts';
import type { AppEnv } from './types.ts';
import { requestContext } from '../middleware/request-context.ts';

export interface AppOptions {
  logger: Logger;
  inflight: Inflight;
  /** Observers of every request, in order (tracing, metrics). */
  observers?: readonly RequestObserver[];
  /** The gateway's live streams (keep-alive comments, shutdown). */
  liveStreams?: LiveStreams;
}

/**
 * The Hono app with the parts every route shares: the request context
 * middleware, OpenAI-shaped errors, 404 for unknown routes. Routes are added
 * by the caller, then `finish` adds 405 answers for known paths.
 */
export function createApp({ logger, inflight, observers = [], liveStreams }: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext({ logger, inflight, observers, ...(liveStreams ? { liveStreams } : {}) }));
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
    return new NotFoundError(`Invalid URL (${quoteValue(c.req.method, 16).slice(1, -1)} ${quoteValue(c.req.path, 256).slice(1, -1)}).`, { code: 'not_found' }).toResponse();
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
