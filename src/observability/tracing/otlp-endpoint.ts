import type { Env } from '../../config/expand-env.ts';

export interface ExporterSettings {
  /** The full URL spans are POSTed to. */
  url: string;
  headers: Record<string, string>;
  /** Where the URL came from, for the start-up log. */
  source: 'config' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
}

const TRACES_PATH = '/v1/traces';

/**
 * Where OTLP/HTTP spans go. The standard environment variables win over the
 * config file, as OpenTelemetry users expect (an operator or the OpenTelemetry
 * Operator sets them per deployment):
 * - OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full URL, used as is;
 * - OTEL_EXPORTER_OTLP_ENDPOINT: a base URL, `/v1/traces` is appended;
 * - else `exporter.endpoint`: a URL (its scheme wins; `/v1/traces` is added when
 *   it has no path) or a bare `host:port`, with http when `insecure`
 *   and https otherwise.
 * Headers: `exporter.headers`, then OTEL_EXPORTER_OTLP_HEADERS, then
 * OTEL_EXPORTER_OTLP_TRACES_HEADERS (`k=v,k2=v2`, percent-encoded); later wins per key.
 */
export function resolveExporter(exporter: { endpoint: string; insecure: boolean; headers: Record<string, string> }, env: Env): ExporterSettings {
  const headers = { ...exporter.headers, ...parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) };
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return { url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, headers, source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' };
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    return { url: env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '') + TRACES_PATH, headers, source: 'OTEL_EXPORTER_OTLP_ENDPOINT' };
  }
  return { url: endpointUrl(exporter.endpoint, exporter.insecure), headers, source: 'config' };
}

function endpointUrl(endpoint: string, insecure: boolean): string {
  if (/^https?:\/\//i.test(endpoint)) {
    const url = new URL(endpoint);
    if (url.pathname === '/' || url.pathname === '') url.pathname = TRACES_PATH;
    return url.toString();
  }
  return `${insecure ? 'http' : 'https'}://${endpoint}${TRACES_PATH}`;
}

/** `k=v,k2=v2` with percent-encoding, as OTEL_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES use it. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // A malformed escape: skip the pair rather than fail start-up over a header.
    }
  }
  return out;
}
