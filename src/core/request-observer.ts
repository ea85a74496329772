import type { Outcome, RequestScope } from './request-scope.ts';

/**
 * Something that watches every request, called by the request-context
 * middleware rather than being a middleware of its own: an extra Hono
 * middleware costs an async frame per request, and observability must be
 * nearly free. `begin` runs before the route (tracing starts the server span
 * there); `end` runs once the response is finished, after the last byte of a
 * stream (metrics record, the span ends).
 */
export interface RequestObserver {
  begin?(scope: RequestScope, request: Request): void;
  end(scope: RequestScope, outcome: Outcome): void;
}
