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
import { ModelRouter } from './providers/model-router.ts';
import type { Provider } from './providers/provider.ts';
import { ResponsesService } from './responses/responses-service.ts';
import { metricsRoute } from './http/routes/metrics.ts';
import { metricsMiddleware } from './middleware/metrics.ts';
import { InstrumentedProvider } from './observability/instrumented-provider.ts';
import { InstrumentedStore } from './observability/instrumented-store.ts';
import { GatewayMetrics } from './observability/metrics/gateway-metrics.ts';
import { providerSeries } from './observability/provider-series.ts';

/** What the gateway needs from its surroundings; everything has a default. */
export interface GatewayDeps {
  /** Clock in milliseconds since the epoch (stored-response TTLs, `created_at`). */
  now?: () => number;
  logger?: Logger;
  /** A store to use instead of the configured one (tests, embedding). */
  store?: ConversationStore;
  /** Providers to use instead of, or besides, the configured ones, by name (embedding, tests). */
  providers?: ReadonlyMap<string, Provider>;
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
  /** Releases stores and exporters. Safe to call more than once. */
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
}

/** Builds a gateway from a validated config. Runtime-agnostic: adapters serve its `fetch`. */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? createLogger({ level: config.logging.level, format: config.logging.format, now });
  const providers = new Map<string, Provider>();
  for (const [name, settings] of Object.entries(config.providers)) {
    const provider = deps.providers?.get(name) ?? createProvider(name, settings);
    // Never silently: a provider that cannot work is named at start-up, and its models answer 503.
    if (provider instanceof DisabledProvider) logger.warn('provider disabled', { provider: name, type: provider.type, reason: provider.reason });
    providers.set(name, provider);
  }
  const observability = config.observability;
  const metrics =
    observability.enabled && observability.metrics.enabled
      ? new GatewayMetrics({ defaultMetrics: observability.metrics.default_metrics })
      : undefined;

  // Instrumentation wraps providers and the store only when it is on, so a disabled feature costs nothing.
  const router = new ModelRouter(
    config.models,
    providers,
    Math.floor(now() / 1000),
    metrics && ((provider, model) => new InstrumentedProvider(provider, providerSeries(metrics, provider.name, model.name, model.pricing))),
  );
  const rawStore = deps.store ?? createStore(config.conversations, { now });
  const store = metrics ? new InstrumentedStore(rawStore, metrics) : rawStore;
  const inflight = new Inflight();
  let draining = false;

  const app = createApp({ logger, inflight, middleware: metrics ? [metricsMiddleware(metrics)] : [] });
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
    shutdown() {
      draining = true;
      closed ??= store.close();
      return closed;
    },
    config,
    logger,
    providers,
    store,
    router,
    metrics,
  };
}
