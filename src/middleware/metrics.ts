import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/types.ts';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.ts';

/** Methods kept as label values; anything else a client invents is `OTHER`, so the label stays bounded. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * HTTP metrics: `http_requests_total{method,path,status}` and the duration,
 * size and gateway-overhead histograms, recorded when the response is
 * finished (after the last byte of a stream). `path` is the route template.
 */
export function metricsMiddleware(metrics: GatewayMetrics): MiddlewareHandler<AppEnv> {
  return async function metricsMiddleware(c, next) {
    await next();
    const scope = c.get('scope');
    const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    const status = c.res.status;
    const requestLength = c.req.header('content-length');
    const responseLength = c.res.headers.get('content-length');
    scope.onEnd(() => {
      const seconds = (performance.now() - scope.startedAt) / 1000;
      // The route is known by now: the request context sets it before ending the scope.
      const series = metrics.httpSeries(method, scope.route);
      metrics.httpStatus(series, status).inc();
      series.duration.observe(seconds);
      series.requestSize.observe(requestLength ? Number(requestLength) : scope.requestBytes);
      series.responseSize.observe(responseLength ? Number(responseLength) : scope.responseBytes);
      series.overhead.observe(Math.max(0, seconds - scope.upstreamMs / 1000));
    });
  };
}
