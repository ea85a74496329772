import type { Hono } from 'hono';
import type { GatewayMetrics } from '../../observability/metrics/gateway-metrics.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/**
 * The Prometheus scrape endpoint. It is an operational route, outside the
 * `/v1` sub-app, so no rate limit or authentication ever refuses a scrape. A scrape is counted in
 * `http_requests_total` when it has been answered, so it shows in the next one.
 */
export function metricsRoute(app: Hono<AppEnv>, path: string, metrics: GatewayMetrics): void {
  app.get(path, async function scrape() {
    const { body, contentType } = await metrics.render();
    const bytes = new TextEncoder().encode(body);
    return new Response(bytes, { headers: { 'content-type': contentType, 'content-length': String(bytes.byteLength) } });
  });
}
