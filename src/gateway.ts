import type { GatewayConfig } from './config/schema.ts';
import { createStore } from './conversation/create-store.ts';
import type { ConversationStore } from './conversation/store.ts';
import { createApp, methodNotAllowed } from './http/create-app.ts';
import { Inflight } from './http/inflight.ts';
import { healthRoutes } from './http/routes/health.ts';
import { modelsRoutes } from './http/routes/models.ts';
import { responsesRoutes } from './http/routes/responses.ts';
import { chatCompletionsRoutes } from './http/routes/chat-completions.ts';
import { ChatCompletionsService } from './chat-completions/chat-completions-service.ts';
import { DisabledProvider } from './providers/disabled-provider.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createProvider } from './providers/create-provider.ts';
import type { UpstreamFetch } from './providers/http/upstream-exchange.ts';
import { ModelRouter } from './providers/model-router.ts';
import type { Provider } from './providers/provider.ts';
import { ResponsesService } from './responses/responses-service.ts';
import { metricsRoute } from './http/routes/metrics.ts';
import { metricsObserver } from './observability/metrics/metrics-observer.ts';
import { InstrumentedProvider } from './observability/instrumented-provider.ts';
import { InstrumentedStore } from './observability/instrumented-store.ts';
import { GatewayMetrics } from './observability/metrics/gateway-metrics.ts';
import { providerSeries } from './observability/provider-series.ts';
import { createTracing, type RuntimeInfo, type Tracing } from './observability/tracing/create-tracing.ts';
import { tracingObserver } from './observability/tracing/tracing-observer.ts';
import type { Env } from './config/expand-env.ts';
import { VERSION } from './version.ts';

/** What the gateway needs from its surroundings; everything has a default. */
export interface GatewayDeps {
  /** Clock in milliseconds since the epoch (stored-response TTLs, `created_at`). */
  now?: () => number;
  logger?: Logger;
  /** A store to use instead of the configured one (tests, embedding). */
  store?: ConversationStore;
  /** Providers to use instead of, or besides, the configured ones, by name (embedding, tests). */
  providers?: ReadonlyMap<string, Provider>;
  /** The process environment (OTEL_* variables); adapters pass it, the core never reads it itself. */
  env?: Env;
  /** The runtime, for the `process.runtime.*` resource attributes of traces. */
  runtime?: RuntimeInfo;
  /** Where the stdout span exporter writes (default console.log). */
  stdout?: (line: string) => void;
  /**
   * How providers send HTTP requests (default: the runtime's fetch). The Node
   * adapter supplies one on node:http, because Node 20's fetch costs several
   * times the CPU per request.
   */
  fetch?: UpstreamFetch;
}

export interface Gateway {
  /** The whole gateway as a web-standard handler. */
  fetch(request: Request): Promise<Response>;
  /**
   * Waits until every in-flight request and stream has finished, or `timeoutMs`
   * has passed; resolves whether everything finished. `/ready` answers 503 from
   * the first call on.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Exports the spans still queued. */
  forceFlush(): Promise<void>;
  /** Flushes telemetry and releases stores and exporters. Safe to call more than once. */
  shutdown(): Promise<void>;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Configured providers by name. */
  readonly providers: ReadonlyMap<string, Provider>;
  readonly store: ConversationStore;
  /** Model names to providers (instrumented when metrics are on). */
  readonly router: ModelRouter;
  /** The metrics registry and families, when metrics are on. */
  readonly metrics: GatewayMetrics | undefined;
  /** The tracer provider, when tracing is on. */
  readonly tracing: Tracing | undefined;
}

/** Builds a gateway from a validated config. Runtime-agnostic: adapters serve its `fetch`. */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? createLogger({ level: config.logging.level, format: config.logging.format, now });
  const providers = new Map<string, Provider>();
  for (const [name, settings] of Object.entries(config.providers)) {
    const provider = deps.providers?.get(name) ?? createProvider(name, settings, deps.fetch ? { fetch: deps.fetch } : {});
    // Never silently: a provider that cannot work is named at start-up, and its models answer 503.
    if (provider instanceof DisabledProvider) logger.warn('provider disabled', { provider: name, type: provider.type, reason: provider.reason });
    providers.set(name, provider);
  }
  const observability = config.observability;
  const metrics =
    observability.enabled && observability.metrics.enabled
      ? new GatewayMetrics({ defaultMetrics: observability.metrics.default_metrics })
      : undefined;

  const tracing =
    observability.enabled && observability.tracing.enabled
      ? createTracing(observability.tracing, {
          env: deps.env ?? {},
          runtime: deps.runtime ?? { name: 'unknown', version: 'unknown' },
          serviceVersion: VERSION,
          logger,
          ...(deps.stdout ? { stdout: deps.stdout } : {}),
          ...(metrics ? { dropped: { queueFull: metrics.spansDropped.child('queue_full'), exportFailed: metrics.spansDropped.child('export_failed') } } : {}),
        })
      : undefined;

  // Instrumentation wraps providers and the store only when it is on, so a disabled feature costs nothing.
  const instrumented = metrics !== undefined || tracing !== undefined;
  const router = new ModelRouter(
    config.models,
    providers,
    Math.floor(now() / 1000),
    instrumented
      ? (provider, model) =>
          new InstrumentedProvider(provider, {
            model: model.name,
            ...(metrics ? { series: providerSeries(metrics, provider.name, model.name, model.pricing) } : {}),
            ...(tracing ? { tracing } : {}),
          })
      : undefined,
  );
  const rawStore = deps.store ?? createStore(config.conversations, { now, logger });
  const store = instrumented
    ? new InstrumentedStore(rawStore, { ...(metrics ? { metrics } : {}), ...(tracing ? { tracer: tracing.tracer } : {}) })
    : rawStore;
  const inflight = new Inflight();
  let draining = false;

  const observers = [];
  if (tracing) observers.push(tracingObserver(tracing));
  if (metrics) observers.push(metricsObserver(metrics));
  const app = createApp({ logger, inflight, observers });
  // Probes and scrapes come first: nothing added later (rate limits, auth) applies to them.
  healthRoutes(app, { store, router, draining: () => draining });
  if (metrics) metricsRoute(app, observability.metrics.path, metrics);
  modelsRoutes(app, router);
  responsesRoutes(app, {
    service: new ResponsesService({ router, store, logger, now }),
    maxBodySize: config.server.max_request_body_size,
  });
  chatCompletionsRoutes(app, new ChatCompletionsService({ router, logger, now }), config.server.max_request_body_size);
  methodNotAllowed(app, {
    ...(metrics ? { [observability.metrics.path]: ['GET', 'HEAD'] } : {}),
    '/health': ['GET', 'HEAD'],
    '/ready': ['GET', 'HEAD'],
    '/v1/models': ['GET', 'HEAD'],
    '/v1/responses': ['POST'],
    '/v1/chat/completions': ['POST'],
    '/v1/responses/:id': ['GET', 'HEAD', 'DELETE'],
    '/v1/responses/:id/input_items': ['GET', 'HEAD'],
  });

  let closed: Promise<void> | undefined;
  return {
    fetch: async (request) => app.fetch(request),
    drain(timeoutMs) {
      draining = true;
      return inflight.drain(timeoutMs);
    },
    forceFlush: async () => {
      await tracing?.forceFlush();
    },
    shutdown() {
      draining = true;
      closed ??= Promise.all([
        tracing?.shutdown().catch((error: unknown) => logger.warn('flushing spans at shutdown failed', { error })),
        store.shutdown(),
      ]).then(() => {});
      return closed;
    },
    config,
    logger,
    providers,
    store,
    router,
    metrics,
    tracing,
  };
}
