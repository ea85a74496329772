import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Inflight } from '../http/inflight.ts';
import { RequestScope, traceFields, type Outcome } from '../http/request-scope.ts';
import type { AppEnv } from '../http/types.ts';
import { clientClosedRequest, GatewayError, InternalServerError } from '../errors/gateway-error.ts';
import type { Logger } from '../observability/logger.ts';

export interface RequestContextOptions {
  logger: Logger;
  inflight: Inflight;
}

/** A client-supplied id is kept only if it is short and plain, so it is safe in logs and headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The first middleware: gives the request its id (the client's `x-request-id`
 * if acceptable, else a new UUID) and its RequestScope, counts it in flight,
 * echoes `x-request-id` on the response and writes the access log line when the
 * response is finished (for a stream: after its last byte).
 */
export function requestContext({ logger, inflight }: RequestContextOptions): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const supplied = c.req.header('x-request-id');
    const scope = new RequestScope(supplied && ACCEPTABLE_ID.test(supplied) ? supplied : crypto.randomUUID());
    c.set('scope', scope);
    inflight.begin();
    try {
      await next();
    } catch (error) {
      // Hono hands anything but an Error thrown by a handler back to us instead of to onError.
      // Whatever it is, the request must still end: answered, counted, logged, its span closed.
      const failure = error instanceof GatewayError ? error : new InternalServerError(undefined, { cause: error });
      scope.error ??= failure;
      c.res = scope.signal.aborted ? clientClosedRequest() : failure.toResponse();
      if (!scope.signal.aborted) logger.error('request failed', { request_id: scope.id, ...traceFields(scope), error: failure.cause ?? failure });
    }
    const matched = routePath(c, -1);
    // Only the catch-all middleware matched: no route did.
    scope.route = matched === '/*' || matched === '*' ? 'unmatched' : matched;
    const status = c.res.status;
    c.res.headers.set('x-request-id', scope.id);
    const method = c.req.method;
    const path = c.req.path;
    scope.onEnd((outcome: Outcome) => {
      inflight.end();
      if (!logger.enabled('info')) return;
      logger.info('request completed', {
        request_id: scope.id,
        ...traceFields(scope),
        method,
        path,
        route: scope.route,
        status,
        outcome,
        duration_ms: Math.round((performance.now() - scope.startedAt) * 1000) / 1000,
      });
    });
    if (!scope.deferred) scope.end(scope.signal.aborted ? 'cancelled' : 'completed');
  };
}
