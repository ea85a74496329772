import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { RequestObserver } from '../../core/request-observer.ts';
import type { Outcome, RequestScope } from '../../core/request-scope.ts';
import type { Tracing } from './create-tracing.ts';
import { traceHeaders } from './trace-headers.ts';
import { ATTR, methodAttributes, statusAttributes } from './span-attributes.ts';

/**
 * The server span: continues an incoming `traceparent` (W3C trace context) or
 * starts a trace, is named `{METHOD} {route}` once the route is known, and
 * ends when the response is finished — after the last byte of a stream, or
 * when the client goes away (event `client.disconnect`). 5xx responses mark it
 * as an error; 4xx do not (the client's mistake, per the HTTP conventions).
 * An unsampled request gets a non-recording span: its ids still reach the
 * logs and the upstream (as ready-made trace headers, with no context built),
 * but no attribute work is done and nothing happens at its end.
 */
export function tracingObserver(tracing: Tracing): RequestObserver {
  const tracer = tracing.tracer;
  return {
    begin(scope, request) {
      const parent = tracing.extract(request.headers);
      const span = tracer.startSpan(scope.method, { kind: SpanKind.SERVER }, parent);
      scope.span = span;
      if (!span.isRecording()) {
        // Not sampled: nothing below will be recorded, so no context is made; the upstream still
        // gets the ids (sampled flag off), and the logs get them from the span.
        scope.traceHeaders = traceHeaders(span.spanContext());
        return;
      }
      scope.traceContext = trace.setSpan(parent, span);
      const { traceId, spanId } = span.spanContext();
      const attributes = methodAttributes({}, scope.method);
      attributes[ATTR.urlPath] = scope.path;
      attributes[ATTR.requestId] = scope.id;
      attributes[ATTR.traceId] = traceId;
      attributes[ATTR.spanId] = spanId;
      span.setAttributes(attributes);
    },
    end(scope: RequestScope, outcome: Outcome) {
      const span = scope.span;
      if (!span?.isRecording()) return;
      const { status, route } = scope;
      // What the end adds, in one setAttributes call.
      const attributes: Attributes = statusAttributes({}, status);
      if (route !== 'unmatched') {
        span.updateName(`${scope.method} ${route}`);
        attributes[ATTR.httpRoute] = route;
      }
      // Who called: the key's name or the token's identity claim, never the credential.
      if (scope.principal.kind !== 'anonymous') attributes[ATTR.enduserId] = scope.principal.id;
      span.setAttributes(attributes);
      if (outcome === 'cancelled') span.addEvent('client.disconnect');
      // A stream that ended in response.failed has status 200 but failed on the server side.
      const failure = scope.error instanceof GatewayError ? scope.error : undefined;
      if (status >= 500 || (failure && failure.status >= 500) || outcome === 'failed') {
        if (scope.error instanceof Error) span.recordException(scope.error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: scope.error instanceof Error ? scope.error.message : `HTTP ${status}` });
      }
      span.end();
    },
  };
}
