/**
 * The gateway's Grafana dashboards as data: each panel is one entry of a
 * dashboard's list (title, unit, PromQL), rendered to the JSON that Grafana
 * provisions from compose/grafana/dashboards/ (npm run compose:generate).
 * tests/prometheus/prometheus.test.ts runs every query against a real
 * Prometheus scraping a gateway under load.
 *
 * Queries use Grafana's `$__rate_interval` for rate windows (at least four
 * scrape intervals, so a rate never spans fewer than two samples).
 */

export interface PanelQuery {
  expr: string;
  /** Legend, with `{{label}}` placeholders. */
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** A Grafana unit: reqps, percentunit, s, short, currencyUSD, bytes, ... */
  unit: string;
  queries: PanelQuery[];
  /** `stat` for a single current number; time series otherwise. */
  kind?: 'timeseries' | 'stat';
  /** Half a row (12 of 24 columns) unless `full`. */
  full?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

const API = 'path=~"/v1/.*"';
const quantiles = (metric: string, by: string, selector = '') =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${['le', by].filter(Boolean).join(', ')}) (rate(${metric}_bucket${selector ? `{${selector}}` : ''}[$__rate_interval])))`,
    legend: `p${q * 100}${by ? ` ${by.split(', ').map((l) => `{{${l}}}`).join(' ')}` : ''}`,
  }));

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'llm-gateway-overview',
    title: 'LLM Gateway: overview',
    description: 'Traffic, errors (failed streams included), latency and the gateway’s own time, over all instances.',
    panels: [
      { title: 'Instances up', description: 'Gateway instances Prometheus scrapes successfully.', unit: 'short', kind: 'stat', queries: [{ expr: 'sum(up{job="llm-gateway"})', legend: 'up' }] },
      {
        title: 'Error ratio',
        description: 'Share of API requests that failed: 5xx answers, plus streams that ended in response.failed after a 200.',
        unit: 'percentunit',
        kind: 'stat',
        queries: [
          {
            // Either counter may not exist yet (no error so far): count it as 0.
            expr: `((sum(rate(http_requests_total{${API}, status=~"5.."}[$__rate_interval])) or vector(0)) + (sum(rate(gateway_stream_failures_total[$__rate_interval])) or vector(0))) / sum(rate(http_requests_total{${API}}[$__rate_interval]))`,
            legend: 'errors',
          },
        ],
      },
      { title: 'Requests per second by route and status', description: 'API requests, by route template and HTTP status.', unit: 'reqps', full: true, queries: [{ expr: `sum by (path, status) (rate(http_requests_total{${API}}[$__rate_interval]))`, legend: '{{path}} {{status}}' }] },
      {
        title: 'Errors per second',
        description: '5xx answers by status, and streams that failed after their start by reason.',
        unit: 'reqps',
        queries: [
          { expr: `sum by (status) (rate(http_requests_total{${API}, status=~"5.."}[$__rate_interval]))`, legend: '{{status}}' },
          { expr: 'sum by (reason) (rate(gateway_stream_failures_total[$__rate_interval]))', legend: 'failed stream: {{reason}}' },
        ],
      },
      { title: 'Client errors per second', description: '4xx answers by status (bad requests, unknown models, refused bodies).', unit: 'reqps', queries: [{ expr: `sum by (status) (rate(http_requests_total{${API}, status=~"4.."}[$__rate_interval]))`, legend: '{{status}}' }] },
      { title: 'Request latency', description: 'API request duration until the last byte (streams included): p50, p95, p99.', unit: 's', queries: quantiles('http_request_duration_seconds', '', API) },
      { title: 'Gateway overhead', description: 'Time spent in the gateway itself: request duration minus the wait for the upstream.', unit: 's', queries: quantiles('gateway_overhead_seconds', '', API) },
    ],
  },
  {
    uid: 'llm-gateway-providers',
    title: 'LLM Gateway: providers and models',
    description: 'Upstream calls per provider and model: rate, errors, latency, time to first byte, tokens and cost.',
    panels: [
      { title: 'Provider calls per second', description: 'Upstream calls by provider, model and outcome (success, error, cancelled by the client).', unit: 'reqps', full: true, queries: [{ expr: 'sum by (provider, model, status) (rate(provider_requests_total[$__rate_interval]))', legend: '{{provider}}/{{model}} {{status}}' }] },
      {
        title: 'Provider error ratio',
        description: 'Failed upstream calls as a share of calls that were not cancelled, per provider.',
        unit: 'percentunit',
        queries: [{ expr: 'sum by (provider) (rate(provider_requests_total{status="error"}[$__rate_interval])) / sum by (provider) (rate(provider_requests_total{status!="cancelled"}[$__rate_interval]))', legend: '{{provider}}' }],
      },
      { title: 'Provider latency p95', description: 'From the call to its result, or to the last event of a stream.', unit: 's', queries: [{ expr: 'histogram_quantile(0.95, sum by (le, provider, model) (rate(provider_request_duration_seconds_bucket[$__rate_interval])))', legend: '{{provider}}/{{model}}' }] },
      { title: 'Time to first byte p50 / p95', description: 'From the start of a streaming call to its first event.', unit: 's', queries: [0.5, 0.95].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le, model) (rate(provider_stream_ttfb_seconds_bucket[$__rate_interval])))`, legend: `p${q * 100} {{model}}` })) },
      { title: 'Tokens per minute', description: 'Tokens the upstreams reported, by model and direction.', unit: 'short', queries: [{ expr: 'sum by (model, type) (rate(provider_tokens_total[$__rate_interval])) * 60', legend: '{{model}} {{type}}' }] },
      { title: 'Cost per hour', description: 'Estimated spend from models[].pricing, in US dollars per hour.', unit: 'currencyUSD', queries: [{ expr: 'sum by (provider, model) (rate(provider_cost_usd_total[$__rate_interval])) * 3600', legend: '{{provider}}/{{model}}' }] },
      { title: 'Cost in the time range', description: 'Estimated spend over the dashboard’s time range.', unit: 'currencyUSD', kind: 'stat', queries: [{ expr: 'sum(increase(provider_cost_usd_total[$__range]))', legend: 'cost' }] },
      {
        title: 'Circuit breaker state',
        description: 'Per provider with a circuit_breaker: 0 closed, 1 open (calls refused), 2 half-open (probing); the worst instance.',
        unit: 'short',
        queries: [{ expr: 'max by (provider) (circuit_breaker_state)', legend: '{{provider}}' }],
      },
      { title: 'Circuit breaker openings', description: 'Breakers that opened (from closed, or again from half-open), per provider.', unit: 'short', queries: [{ expr: 'sum by (provider) (increase(circuit_breaker_state_transitions_total{to="open"}[$__rate_interval]))', legend: '{{provider}}' }] },
      { title: 'Fallbacks per second', description: 'Calls made to a fallback model after the model before it failed: by the model asked for, the one that failed and the one tried next.', unit: 'reqps', full: true, queries: [{ expr: 'sum by (model, from, to) (rate(gateway_fallbacks_total[$__rate_interval]))', legend: '{{model}}: {{from}} → {{to}}' }] },
    ],
  },
  {
    uid: 'llm-gateway-streaming',
    title: 'LLM Gateway: streaming',
    description: 'Streamed calls: rate, outcomes, failures after the start, chunk rate, duration and streamed bytes.',
    panels: [
      { title: 'Streams per second', description: 'Streaming upstream calls by model.', unit: 'reqps', queries: [{ expr: 'sum by (model) (rate(provider_requests_total{operation="generate_stream"}[$__rate_interval]))', legend: '{{model}}' }] },
      { title: 'Stream outcomes', description: 'Streams that completed, failed, or were cancelled by their client.', unit: 'reqps', queries: [{ expr: 'sum by (status) (rate(provider_requests_total{operation="generate_stream"}[$__rate_interval]))', legend: '{{status}}' }] },
      {
        title: 'Failed streams',
        description: 'Streams that ended in response.failed (or the chat error chunk) after a 200, by reason.',
        unit: 'reqps',
        queries: [{ expr: 'sum by (reason) (rate(gateway_stream_failures_total[$__rate_interval]))', legend: '{{reason}}' }],
      },
      { title: 'Chunks per second', description: 'Streamed text and function-argument deltas, by model.', unit: 'short', queries: [{ expr: 'sum by (model) (rate(provider_stream_chunks_total[$__rate_interval]))', legend: '{{model}}' }] },
      { title: 'Stream duration p50 / p95', description: 'From the first to the last event of a stream.', unit: 's', queries: [0.5, 0.95].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le, model) (rate(provider_stream_duration_seconds_bucket[$__rate_interval])))`, legend: `p${q * 100} {{model}}` })) },
      { title: 'Response bytes per second', description: 'Bytes sent to clients, streamed bytes included, by route.', unit: 'Bps', queries: [{ expr: `sum by (path) (rate(http_response_size_bytes_sum{${API}}[$__rate_interval]))`, legend: '{{path}}' }] },
    ],
  },
  {
    uid: 'llm-gateway-store',
    title: 'LLM Gateway: conversation store',
    description: 'The store behind previous_response_id and stored responses: operations, errors, latency, size.',
    panels: [
      { title: 'Store operations per second', description: 'By operation and outcome.', unit: 'ops', queries: [{ expr: 'sum by (operation, status) (rate(conversation_operations_total[$__rate_interval]))', legend: '{{operation}} {{status}}' }] },
      { title: 'Store error ratio', description: 'Failed operations as a share of all, per backend.', unit: 'percentunit', queries: [{ expr: 'sum by (backend) (rate(conversation_operations_total{status="error"}[$__rate_interval])) / sum by (backend) (rate(conversation_operations_total[$__rate_interval]))', legend: '{{backend}}' }] },
      { title: 'Store latency p99', description: 'Per operation and backend.', unit: 's', queries: [{ expr: 'histogram_quantile(0.99, sum by (le, operation, backend) (rate(conversation_operation_duration_seconds_bucket[$__rate_interval])))', legend: '{{backend}} {{operation}}' }] },
      { title: 'Stored responses', description: 'Responses held now (creations, deletions, expiry and eviction all move it), summed over instances.', unit: 'short', queries: [{ expr: 'sum by (backend) (conversation_active_count)', legend: '{{backend}}' }] },
      {
        title: 'Store errors per second',
        description: 'Failed operations (the store unreachable or timing out), by backend and operation: previous_response_id and stored responses fail with them.',
        unit: 'ops',
        queries: [{ expr: 'sum by (backend, operation) (rate(conversation_operations_total{status="error"}[$__rate_interval]))', legend: '{{backend}} {{operation}}' }],
      },
    ],
  },
  {
    uid: 'llm-gateway-access',
    title: 'LLM Gateway: auth and rate limiting',
    description: 'Refused authentications, rate-limit decisions and refusals, and daily budgets of API keys.',
    panels: [
      { title: 'Auth failures per second', description: 'Requests refused by authentication (401), by reason; unavailable means the OIDC issuer could not be reached.', unit: 'reqps', queries: [{ expr: 'sum by (reason) (rate(auth_failures_total[$__rate_interval]))', legend: '{{reason}}' }] },
      {
        title: 'Refused requests per second',
        description: 'API answers that refused the caller: 401 (authentication), 403 (a model the key may not use), 429 (a limit or budget).',
        unit: 'reqps',
        queries: [{ expr: `sum by (status) (rate(http_requests_total{${API}, status=~"401|403|429"}[$__rate_interval]))`, legend: '{{status}}' }],
      },
      { title: 'Rate-limit decisions per second', description: 'Per limit checked (requests, tokens, budget) and decision (allowed, refused, error).', unit: 'ops', full: true, queries: [{ expr: 'sum by (limit, decision) (rate(rate_limit_decisions_total[$__rate_interval]))', legend: '{{limit}} {{decision}}' }] },
      {
        title: 'Refusal ratio by limit',
        description: 'Share of the checks of each limit that it refused.',
        unit: 'percentunit',
        queries: [
          {
            expr: 'sum by (limit) (rate(rate_limit_decisions_total{decision="refused"}[$__rate_interval])) / sum by (limit) (rate(rate_limit_decisions_total{decision=~"allowed|refused"}[$__rate_interval]))',
            legend: '{{limit}}',
          },
        ],
      },
      {
        title: 'Limiter backend errors per second',
        description: 'Checks the limiter could not answer (Redis unreachable): allowed or refused by rate_limit.failure_mode.',
        unit: 'ops',
        queries: [{ expr: 'sum by (limit) (rate(rate_limit_decisions_total{decision="error"}[$__rate_interval]))', legend: '{{limit}}' }],
      },
      {
        title: 'Budget used today',
        description: 'Share of each API key’s daily budget spent since 00:00 UTC (the highest any instance reports).',
        unit: 'percentunit',
        queries: [{ expr: 'max by (identity) (rate_limit_budget_spent_usd) / max by (identity) (rate_limit_budget_limit_usd)', legend: '{{identity}}' }],
      },
      {
        title: 'Budget spent today',
        description: 'US dollars each API key with a budget has spent since 00:00 UTC, and its daily budget.',
        unit: 'currencyUSD',
        queries: [
          { expr: 'max by (identity) (rate_limit_budget_spent_usd)', legend: '{{identity}} spent' },
          { expr: 'max by (identity) (rate_limit_budget_limit_usd)', legend: '{{identity}} budget' },
        ],
      },
    ],
  },
  {
    uid: 'llm-gateway-telemetry',
    title: 'LLM Gateway: telemetry health',
    description: 'Whether the gateway’s own telemetry works: dropped spans, scrapes, process resources.',
    panels: [
      { title: 'Spans dropped per second', description: 'Spans not exported: the batch queue was full, or the export failed (trace backend unreachable).', unit: 'short', queries: [{ expr: 'sum by (reason) (rate(otel_spans_dropped_total[$__rate_interval]))', legend: '{{reason}}' }] },
      { title: 'Scrape duration', description: 'How long Prometheus takes to scrape each instance.', unit: 's', queries: [{ expr: 'scrape_duration_seconds{job="llm-gateway"}', legend: '{{instance}}' }] },
      { title: 'Resident memory', description: 'Per instance (runtime metrics differ between Node, Bun and Deno).', unit: 'bytes', queries: [{ expr: 'process_resident_memory_bytes{job="llm-gateway"}', legend: '{{instance}}' }] },
      { title: 'CPU', description: 'CPU seconds per second, per instance.', unit: 'percentunit', queries: [{ expr: 'rate(process_cpu_seconds_total{job="llm-gateway"}[$__rate_interval])', legend: '{{instance}}' }] },
    ],
  },
];

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };

/** One dashboard as the JSON Grafana provisions. */
export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((panel, i) => {
    const w = panel.full ? 24 : 12;
    const h = panel.kind === 'stat' ? 5 : 8;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: panel.kind ?? 'timeseries',
      title: panel.title,
      description: panel.description,
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      options: panel.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: panel.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend })),
    };
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['llm-gateway'],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    links: [{ type: 'dashboards', tags: ['llm-gateway'], asDropdown: true, title: 'LLM Gateway', includeVars: false, keepTime: true }],
    panels,
  };
}
