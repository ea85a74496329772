import type { RequestObserver } from '../../core/request-observer.ts';
import type { Outcome, RequestScope } from '../../core/request-scope.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { streamFailureReason } from './stream-failure-reason.ts';

/** Methods kept as label values; anything else a client invents is `OTHER`, so the label stays bounded. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * HTTP metrics: `http_requests_total{method,path,status}` and the duration,
 * size and gateway-overhead histograms, recorded when the response is
 * finished (after the last byte of a stream). `path` is the route template.
 * A stream that was answered 200 and then failed keeps its `status="200"`
 * and is counted in `gateway_stream_failures_total{path,reason}` as well.
 */
export function metricsObserver(metrics: GatewayMetrics): RequestObserver {
  return {
    end(scope: RequestScope, outcome: Outcome) {
      if (outcome === 'failed' && scope.status < 300) metrics.streamFailure(scope.route, streamFailureReason(scope.error)).inc();
      const seconds = (performance.now() - scope.startedAt) / 1000;
      const series = metrics.httpSeries(METHODS.has(scope.method) ? scope.method : 'OTHER', scope.route);
      metrics.httpStatus(series, scope.status).inc();
      series.duration.observe(seconds);
      series.requestSize.observe(scope.requestLength ? Number(scope.requestLength) : scope.requestBytes);
      series.responseSize.observe(scope.responseLength ? Number(scope.responseLength) : scope.responseBytes);
      series.overhead.observe(Math.max(0, seconds - scope.upstreamMs / 1000));
    },
  };
}
