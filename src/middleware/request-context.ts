import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { clientClosedRequest, GatewayError, InternalServerError } from '../errors/gateway-error.ts';
import type { Inflight } from '../core/inflight.ts';
import type { RequestObserver } from '../core/request-observer.ts';
import { RequestScope, traceFields, type Outcome } from '../core/request-scope.ts';
import type { ClientAddress } from '../core/client-address.ts';
import type { AppEnv } from './app-env.ts';
import type { Logger } from '../observability/logger.ts';
import type { LiveStreams } from '../core/live-streams.ts';
import { principalRef } from '../core/principal.ts';

export interface RequestContextOptions {
  logger: Logger;
  inflight: Inflight;
  /** Tracing, metrics: begun in this order before the route, ended in this order after the response. */
  observers?: readonly RequestObserver[];
  /** The gateway's live streams, handed to each request's scope. */
  liveStreams?: LiveStreams;
  /** The share of access-log lines of successful requests written (`logging.sample_rate`); default 1. */
  sampleRate?: number;
  /** A number in [0, 1) per sampled decision; default Math.random. */
  random?: () => number;
}

/** A client-supplied id is kept only if it is short and plain, so it is safe in logs and headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The first middleware, which is request id and logging, then tracing, then
 * metrics (the observers, in that order): gives the request its id (the client's
 * `x-request-id` if acceptable, else a new UUID) and its RequestScope, counts
 * it in flight, lets the observers begin, echoes `x-request-id`, and when the
 * response is finished (for a stream: after its last byte) ends the observers
 * and writes the access log line (of a successful request, only a
 * `sampleRate` share of them).
 */
export function requestContext({ logger, inflight, observers = [], liveStreams, sampleRate = 1, random = Math.random }: RequestContextOptions): MiddlewareHandler<AppEnv> {
  const beginners = observers.filter((o) => o.begin);
  const finish = (scope: RequestScope, outcome: Outcome): void => {
    inflight.end();
    for (const observer of observers) observer.end(scope, outcome);
    if (!logger.enabled('info')) return;
    // Sampling drops only the lines of requests that went well: errors, refusals and cut streams are always written.
    if (sampleRate < 1 && outcome === 'completed' && scope.status < 400 && !(random() < sampleRate)) return;
    // Fields in their final order, trace ids in place (undefined ones are left out): one object, one line.
    const span = scope.span?.spanContext();
    logger.info('request completed', {
      request_id: scope.id,
      trace_id: span?.traceId,
      span_id: span?.spanId,
      method: scope.method,
      path: scope.path,
      route: scope.route,
      status: scope.status,
      client_address: scope.client?.address,
      principal: principalRef(scope.principal),
      outcome,
      duration_ms: Math.round((performance.now() - scope.startedAt) * 1000) / 1000,
    });
  };

  return async function requestContext(c, next) {
    const supplied = c.req.header('x-request-id');
    const scope = new RequestScope(supplied && ACCEPTABLE_ID.test(supplied) ? supplied : crypto.randomUUID(), finish);
    // The environment is the client's address (see AppEnv), absent when nobody passed one.
    const peer = c.env as Partial<ClientAddress> | undefined;
    if (peer?.address) scope.client = peer as ClientAddress;
    scope.method = c.req.method;
    scope.path = c.req.path;
    scope.requestLength = c.req.header('content-length') ?? null;
    scope.liveStreams = liveStreams;
    c.set('scope', scope);
    inflight.begin();
    for (const observer of beginners) observer.begin!(scope, c.req.raw);
    try {
      await next();
    } catch (error) {
      // Hono hands anything but an Error thrown by a handler back to us instead of to onError.
      // Whatever it is, the request must still end: answered, counted, logged, its span closed.
      const failure = error instanceof GatewayError ? error : new InternalServerError(undefined, { cause: error });
      // As onError records it: the thrown value itself, when it is what failed.
      scope.error ??= failure.status === 500 && failure.cause !== undefined ? failure.cause : failure;
      c.res = scope.aborted ? clientClosedRequest() : failure.toResponse();
      if (!scope.aborted) logger.error('request failed', { request_id: scope.id, ...traceFields(scope), error: failure.cause ?? failure });
    }
    const matched = routePath(c, -1);
    // Only middleware (`*`, `/v1/*`) matched: no route did.
    scope.route = matched.endsWith('*') ? 'unmatched' : matched;
    const res = c.res;
    scope.status = res.status;
    if (res !== scope.answer) {
      scope.responseLength = res.headers.get('content-length');
      res.headers.set('x-request-id', scope.id);
      const extra = scope.responseHeaders;
      if (extra) for (const name in extra) res.headers.set(name, extra[name]!);
    }
    if (!scope.deferred) scope.end(scope.aborted ? 'cancelled' : 'completed');
  };
}
