import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LATENCY_BUCKETS, SIZE_BUCKETS, STORE_BUCKETS } from './buckets.ts';
import { CounterFamily, type CounterChild } from './counter-family.ts';
import { DailySpendFamily } from './daily-spend-family.ts';
import { GaugeFamily } from './gauge-family.ts';
import { HistogramFamily, type HistogramChild } from './histogram-family.ts';
import { STREAM_FAILURE_REASONS, STREAMING_PATHS, type StreamFailureReason } from './stream-failure-reason.ts';

export interface GatewayMetricsOptions {
  /** prom-client's process and runtime metrics (`process_*`, `nodejs_*`). */
  defaultMetrics: boolean;
  /** Clock (ms since the epoch) that tells the budget gauge when a UTC day is over. */
  now?: () => number;
}

/** Everything recorded for one (method, route): the histograms and a counter per status. */
export interface HttpSeries {
  duration: HistogramChild;
  requestSize: HistogramChild;
  responseSize: HistogramChild;
  overhead: HistogramChild;
  byStatus: Map<number, CounterChild>;
  method: string;
  path: string;
}

/**
 * The metrics of one gateway instance, on a registry of its own (two gateways
 * in one process never share a counter). Names, types, labels and HELP texts
 * follow the observability design; see the README's metrics reference.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpRequests = this.counter('http_requests_total', 'Total number of HTTP requests', ['method', 'path', 'status']);
  readonly httpDuration = this.histogram('http_request_duration_seconds', 'HTTP request latency in seconds, until the last byte of the response', ['method', 'path'], LATENCY_BUCKETS);
  readonly httpRequestSize = this.histogram('http_request_size_bytes', 'HTTP request body size in bytes', ['method', 'path'], SIZE_BUCKETS);
  readonly httpResponseSize = this.histogram('http_response_size_bytes', 'HTTP response body size in bytes, streamed bytes included', ['method', 'path'], SIZE_BUCKETS);
  readonly streamFailures = this.counter('gateway_stream_failures_total', 'Streams that began with status 200 and ended failed (response.failed or a chat error chunk), by reason', ['path', 'reason']);
  readonly overhead = this.histogram('gateway_overhead_seconds', 'Time spent in the gateway itself: request duration minus time waiting for the upstream provider', ['path'], LATENCY_BUCKETS);

  readonly providerRequests = this.counter('provider_requests_total', 'Total number of provider API calls', ['provider', 'model', 'operation', 'status']);
  readonly providerDuration = this.histogram('provider_request_duration_seconds', 'Provider call latency in seconds, until the last event of a stream', ['provider', 'model', 'operation'], LATENCY_BUCKETS);
  readonly providerTokens = this.counter('provider_tokens_total', 'Total number of tokens reported by providers', ['provider', 'model', 'type']);
  readonly streamTtfb = this.histogram('provider_stream_ttfb_seconds', 'Time from the start of a streaming provider call to its first event, in seconds', ['provider', 'model'], LATENCY_BUCKETS);
  readonly streamChunks = this.counter('provider_stream_chunks_total', 'Total number of streamed content chunks (text and argument deltas)', ['provider', 'model']);
  readonly streamDuration = this.histogram('provider_stream_duration_seconds', 'Time from the first to the last event of a provider stream, in seconds', ['provider', 'model'], LATENCY_BUCKETS);
  readonly providerCost = this.counter('provider_cost_usd_total', 'Estimated provider cost in US dollars, from the configured per-model prices', ['provider', 'model']);

  readonly storeOperations = this.counter('conversation_operations_total', 'Total number of conversation store operations', ['operation', 'backend', 'status']);
  readonly storeDuration = this.histogram('conversation_operation_duration_seconds', 'Conversation store operation latency in seconds', ['operation', 'backend'], STORE_BUCKETS);

  readonly circuitBreakerState = this.gauge('circuit_breaker_state', 'State of the circuit breaker of a provider: 0 closed, 1 open, 2 half-open', ['provider']);
  readonly circuitBreakerTransitions = this.counter('circuit_breaker_state_transitions_total', 'Total number of circuit breaker state changes, by provider and states', ['provider', 'from', 'to']);
  readonly fallbacks = this.counter('gateway_fallbacks_total', 'Total number of calls a request made to a fallback model after the model before it failed', ['model', 'from', 'to']);
  readonly authFailures = this.counter('auth_failures_total', 'Requests refused by authentication, by reason', ['reason']);
  readonly rateLimitDecisions = this.counter('rate_limit_decisions_total', 'Rate limit decisions per limit checked: allowed, refused, or error (the backend could not be asked)', ['decision', 'limit']);
  readonly budgetLimit = this.gauge('rate_limit_budget_limit_usd', 'Daily budget of an API key in US dollars (auth.api_keys[].budget.usd_per_day), by key name', ['identity']);
  readonly budgetSpent: DailySpendFamily;

  readonly spansDropped = this.counter('otel_spans_dropped_total', 'Spans not exported: the batch queue was full (queue_full) or their export failed (export_failed)', ['reason']);

  private readonly http = new Map<string, Map<string, HttpSeries>>();
  /** Per streaming route, a child per reason, so the series exist at 0 from start-up. */
  private readonly failuresByPath = new Map<string, Record<StreamFailureReason, CounterChild>>();

  constructor(options: GatewayMetricsOptions) {
    this.budgetSpent = new DailySpendFamily('rate_limit_budget_spent_usd', 'US dollars an API key with a budget has spent on the current UTC day, as this instance last charged it, by key name', ['identity'], options.now ?? Date.now);
    this.registry.registerMetric(this.budgetSpent as never);
    for (const path of STREAMING_PATHS) this.streamFailureSeries(path);
    if (options.defaultMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // These gauges end in _total, which Prometheus reserves for counters (promtool rejects
      // them); the same numbers stay available, by type, as nodejs_active_handles and friends.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }

  /**
   * `conversation_active_count{backend}`, read from the store at scrape time;
   * `count` must be cheap (the store keeps the number: no query per scrape).
   */
  activeConversations(backend: string, count: () => number): void {
    new Gauge({
      name: 'conversation_active_count',
      help: 'Number of active conversations',
      labelNames: ['backend'],
      registers: [this.registry],
      collect() {
        this.set({ backend }, count());
      },
    });
  }

  /** The series for one method and route; created on first use, then found by two Map lookups. */
  httpSeries(method: string, path: string): HttpSeries {
    let byPath = this.http.get(method);
    if (!byPath) this.http.set(method, (byPath = new Map()));
    let series = byPath.get(path);
    if (!series) {
      series = {
        duration: this.httpDuration.child(method, path),
        requestSize: this.httpRequestSize.child(method, path),
        responseSize: this.httpResponseSize.child(method, path),
        overhead: this.overhead.child(path),
        byStatus: new Map(),
        method,
        path,
      };
      byPath.set(path, series);
    }
    return series;
  }

  httpStatus(series: HttpSeries, status: number): CounterChild {
    let child = series.byStatus.get(status);
    if (!child) series.byStatus.set(status, (child = this.httpRequests.child(series.method, series.path, String(status))));
    return child;
  }

  /** The failure counter of one streaming route and reason. */
  streamFailure(path: string, reason: StreamFailureReason): CounterChild {
    return (this.failuresByPath.get(path) ?? this.streamFailureSeries(path))[reason];
  }

  private streamFailureSeries(path: string): Record<StreamFailureReason, CounterChild> {
    const children = Object.fromEntries(STREAM_FAILURE_REASONS.map((reason) => [reason, this.streamFailures.child(path, reason)])) as Record<StreamFailureReason, CounterChild>;
    this.failuresByPath.set(path, children);
    return children;
  }

  /** The exposition, in Prometheus text format. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private counter(name: string, help: string, labels: readonly string[]): CounterFamily {
    const family = new CounterFamily(name, help, labels);
    this.registry.registerMetric(family as never);
    return family;
  }

  private gauge(name: string, help: string, labels: readonly string[]): GaugeFamily {
    const family = new GaugeFamily(name, help, labels);
    this.registry.registerMetric(family as never);
    return family;
  }

  private histogram(name: string, help: string, labels: readonly string[], bounds: readonly number[]): HistogramFamily {
    const family = new HistogramFamily(name, help, labels, bounds);
    this.registry.registerMetric(family as never);
    return family;
  }
}
