import type { GatewayConfig } from './config/schema.ts';
import { createStore } from './conversation/create-store.ts';
import type { ConversationStore } from './conversation/store.ts';
import { createApp } from './http/create-app.ts';
import { Inflight } from './core/inflight.ts';
import { healthRoutes } from './http/routes/health.ts';
import { modelsRoutes } from './http/routes/models.ts';
import { responsesRoutes } from './responses/responses-routes.ts';
import { chatCompletionsRoutes } from './chat-completions/chat-completions-routes.ts';
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
import { instrumentationWrapper } from './observability/instrumentation-wrapper.ts';
import { InstrumentedStore } from './observability/instrumented-store.ts';
import { GatewayMetrics } from './observability/metrics/gateway-metrics.ts';
import type { CallHook } from './pipeline/call-hook.ts';
import type { RequestHook, RequestHooks } from './middleware/request-hook.ts';
import { ModelPipeline } from './pipeline/model-pipeline.ts';
import { resilienceComposer } from './resilience/resilience-composer.ts';
import type { ProviderWrapper } from './providers/provider-wrapper.ts';
import { createTracing, type RuntimeInfo, type Tracing } from './observability/tracing/create-tracing.ts';
import { tracingObserver } from './observability/tracing/tracing-observer.ts';
import type { Env } from './config/expand-env.ts';
import type { ClientAddress } from './core/client-address.ts';
import { Lifecycles, type Lifecycle } from './core/lifecycle.ts';
import { VERSION } from './version.ts';
import { LiveStreams } from './core/live-streams.ts';
import { ServiceUnavailableError } from './errors/gateway-error.ts';
import { accessControl } from './middleware/access-control.ts';
import { WebSocketConnections } from './responses/websocket/websocket-connections.ts';
import { responsesWebSocketRoute } from './responses/websocket/websocket-route.ts';
import type { WebSocketUpgrade } from './responses/websocket/websocket-upgrade.ts';
import { BackgroundRuns } from './responses/background/background-runs.ts';
import { CompactionSealer } from './responses/compaction/compaction-sealer.ts';
import { CompactionService } from './responses/compaction/compaction-service.ts';

/** At shutdown, how long streams that were cut off get to send their terminal event. */
const INTERRUPT_FLUSH_MS = 1_000;

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
   * How providers and the OTLP exporter send HTTP requests (default: the
   * runtime's fetch). The Node adapter supplies one on node:http, because
   * Node 20's fetch costs several times the CPU per request.
   */
  fetch?: UpstreamFetch;
  /**
   * Parts the adapter started and the gateway should stop with itself (an
   * HTTP transport's keep-alive agents), by name. They started first, so they
   * are shut down last.
   */
  lifecycle?: Readonly<Record<string, Lifecycle>>;
  /** Call policy to run besides the configured one (embedding, tests); see CallHook. */
  callHooks?: readonly CallHook[];
  /** Checks every `/v1` request passes, by phase (embedding, tests); see RequestHook. */
  requestHooks?: RequestHooks;
  /** The runtime's WebSocket upgrade (Hono's helper for it), for the Responses API's WebSocket mode; absent: not offered. */
  upgradeWebSocket?: WebSocketUpgrade;
  /**
   * Told the size of each request body read that came without Content-Length
   * (chunked), of each one decoded from a Content-Encoding (decoded bytes),
   * and of each WebSocket message: the adapters count these, besides the
   * Content-Length they see themselves, towards collections after large bodies.
   */
  bodyRead?: (bytes: number) => void;
}

export interface Gateway {
  /**
   * The whole gateway as a web-standard handler. Adapters pass the peer's
   * address (`client`), which the request's scope and access log carry.
   */
  fetch(request: Request, client?: ClientAddress): Promise<Response>;
  /**
   * Waits until every in-flight request and stream has finished, or `timeoutMs`
   * has passed; resolves whether everything finished. `/ready` answers 503 from
   * the first call on.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Exports the spans still queued (every part that queues anything). */
  forceFlush(): Promise<void>;
  /**
   * Releases everything with connections or background work (adapter parts,
   * the tracing exporter, the store), once, in reverse start order; a part that
   * fails is logged and the others still stop. Safe to call more than once.
   */
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
  // Everything with connections or background work, in start order; shutdown walks it backwards.
  const lifecycles = new Lifecycles({ onError: (part, action, error) => logger.warn(`${action} failed`, { part, error }) });
  for (const [name, part] of Object.entries(deps.lifecycle ?? {})) lifecycles.add(name, part);
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
      ? new GatewayMetrics({ defaultMetrics: observability.metrics.default_metrics, now })
      : undefined;

  const tracing =
    observability.enabled && observability.tracing.enabled
      ? createTracing(observability.tracing, {
          env: deps.env ?? {},
          runtime: deps.runtime ?? { name: 'unknown', version: 'unknown' },
          serviceVersion: VERSION,
          logger,
          ...(deps.stdout ? { stdout: deps.stdout } : {}),
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
          ...(metrics ? { dropped: { queueFull: metrics.spansDropped.child('queue_full'), exportFailed: metrics.spansDropped.child('export_failed') } } : {}),
        })
      : undefined;
  if (tracing) lifecycles.add('tracing', tracing);

  // Instrumentation wraps providers and the store only when it is on, so a disabled feature costs nothing.
  const instrumented = metrics !== undefined || tracing !== undefined;
  // Each route target's provider, wrapped in this order: the first wraps the provider itself.
  const wrappers: ProviderWrapper[] = [];
  if (instrumented) wrappers.push(instrumentationWrapper(metrics, tracing));
  // Breakers, retries, weighted targets and fallbacks, composed over the wrapped targets of the models that use them.
  const compose = resilienceComposer(config.providers, metrics ? { logger, metrics } : { logger });
  const router = new ModelRouter(config.models, providers, Math.floor(now() / 1000), wrappers, compose);
  // Authentication and rate limits (nothing at all when both are off).
  const access = accessControl(config, { logger, metrics, now });
  for (const [name, part] of access.parts) lifecycles.add(name, part);
  // Policy around every model call, in order (before: refuse; after: account).
  const callHooks: CallHook[] = [...access.callHooks, ...(deps.callHooks ?? [])];
  const pipeline = new ModelPipeline({ router, logger, hooks: callHooks });
  const rawStore = deps.store ?? createStore(config.conversations, { now, logger });
  const store = instrumented
    ? new InstrumentedStore(rawStore, { ...(metrics ? { metrics } : {}), ...(tracing ? { tracer: tracing.tracer } : {}) })
    : rawStore;
  // The store's own interface says `close`; the lifecycle list speaks one shape.
  lifecycles.add('store', store);
  const inflight = new Inflight();
  let draining = false;
  // The /v1 request hooks, by phase: rate limiting runs before authentication whatever is added where.
  const rateLimitHooks: RequestHook[] = [...access.rateLimit, ...(deps.requestHooks?.rateLimit ?? [])];
  const authHooks: RequestHook[] = [...access.auth, ...(deps.requestHooks?.auth ?? [])];

  const liveStreams = new LiveStreams(config.server.sse_keepalive);
  const webSockets = new WebSocketConnections();
  // Last in start order, so first to stop: streams still live when the grace period is over end with
  // their terminal event (never a silent cut) while tracing and the store can still record them.
  lifecycles.add('streams', {
    async shutdown() {
      if (liveStreams.size > 0 || webSockets.size > 0) {
        logger.warn('ending streams still live at shutdown', { streams: liveStreams.size, websockets: webSockets.size });
        const reason = new ServiceUnavailableError('The gateway is shutting down.', { code: 'shutting_down' });
        liveStreams.interrupt(reason);
        webSockets.interrupt(reason);
        await inflight.drain(INTERRUPT_FLUSH_MS);
      }
      liveStreams.stop();
    },
  });
  // Background responses stop first: cancelled runs save their final object while the store is still open.
  const background = new BackgroundRuns({ config: config.responses.background, pipeline, logger, inflight, now });
  lifecycles.add('background', background);
  const sealer = CompactionSealer.create(config.responses.compaction_key);
  if (config.responses.compaction_key === undefined) {
    logger.warn('responses.compaction_key is not set: compaction items are sealed with a random key of this process, so they do not survive a restart or reach another instance');
  }
  const app = createApp({
    logger,
    inflight,
    observers: { tracing: tracing && tracingObserver(tracing), metrics: metrics && metricsObserver(metrics) },
    hooks: { rateLimit: rateLimitHooks, auth: authHooks },
    cors: config.server.cors,
    liveStreams,
    accessLogSampleRate: config.logging.sample_rate,
    operational(root) {
      healthRoutes(root, { store, router, draining: () => draining });
      if (metrics) metricsRoute(root, observability.metrics.path, metrics);
    },
    v1(api) {
      modelsRoutes(api, router, access.visibleModels);
      const responses = new ResponsesService({ pipeline, store, logger, now, sealer, background, allowsModel: access.allowsModel });
      responsesWebSocketRoute(api, {
        service: responses,
        logger,
        config: config.server.websocket,
        maxMessageBytes: config.server.max_request_body_size,
        bodyRead: deps.bodyRead,
        limits: config.server.limits,
        connections: webSockets,
        tracer: tracing?.tracer,
        upgrade: deps.upgradeWebSocket,
      });
      responsesRoutes(api, {
        service: responses,
        compaction: new CompactionService({ pipeline, store, sealer, now }),
        maxBodySize: config.server.max_request_body_size,
        limits: config.server.limits,
        bodyRead: deps.bodyRead,
      });
      chatCompletionsRoutes(api, new ChatCompletionsService({ pipeline, now }), config.server.max_request_body_size, config.server.limits, deps.bodyRead);
    },
  });

  return {
    fetch: async (request, client) => app.fetch(request, client),
    drain(timeoutMs) {
      draining = true;
      // Idle WebSocket connections close now, busy ones after their turn, so none holds shutdown.
      webSockets.drain();
      return inflight.drain(timeoutMs);
    },
    forceFlush: () => lifecycles.forceFlush(),
    shutdown() {
      draining = true;
      return lifecycles.shutdown();
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
