import { createNoopMeter, ROOT_CONTEXT, trace, TraceFlags, type Context, type MeterProvider, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Env } from '../../config/expand-env.ts';
import type { ObservabilityConfig } from '../../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { CounterChild } from '../metrics/counter-family.ts';
import { parseKeyValues, resolveExporter } from './otlp-endpoint.ts';
import { OtlpHttpExporter } from './otlp-http-exporter.ts';
import type { UpstreamFetch } from '../../providers/http/upstream-exchange.ts';
import { RandomIds } from './random-ids.ts';
import { ReportingExporter } from './reporting-exporter.ts';
import { StdoutSpanExporter } from './stdout-span-exporter.ts';
import { secretList } from '../../errors/redact.ts';

export type TracingConfig = ObservabilityConfig['tracing'];

export interface RuntimeInfo {
  /** `nodejs`, `bun` or `deno` (the `process.runtime.name` resource attribute). */
  name: string;
  version: string;
}

export interface TracingDeps {
  env: Env;
  runtime: RuntimeInfo;
  serviceVersion: string;
  logger: Logger;
  /** Where the stdout exporter writes; defaults to console.log. */
  stdout?: (line: string) => void;
  /** How the OTLP exporter POSTs (default: the runtime's fetch). */
  fetch?: UpstreamFetch;
  /** Counters for spans the batch queue dropped and spans whose export failed, when metrics are on. */
  dropped?: { queueFull: CounterChild; exportFailed: CounterChild };
}

/** One tracer provider per gateway instance, with W3C trace-context propagation. */
export interface Tracing {
  readonly tracer: Tracer;
  /** The incoming `traceparent`/`tracestate` as a parent context (ROOT_CONTEXT when absent or invalid). */
  extract(headers: Headers): Context;
  /** One line for the start-up log: exporter, where to, sampler. */
  readonly description: string;
  forceFlush(): Promise<void>;
  /** Flushes pending spans and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

/**
 * Bounds on what one span holds, whatever a client sends: attribute values
 * (a model name, an error message) are cut at 1 KiB, and counts are capped, so
 * a span's size and its export are bounded. Span events (a recorded
 * exception) are held to the same limits.
 */
export const SPAN_LIMITS = {
  attributeValueLengthLimit: 1024,
  attributeCountLimit: 64,
  eventCountLimit: 32,
  attributePerEventCountLimit: 16,
  linkCountLimit: 8,
  attributePerLinkCountLimit: 8,
} as const;

/** Export failures are logged at most this often. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

export function createTracing(config: TracingConfig, deps: TracingDeps): Tracing {
  const { env } = deps;
  const sampler = createSampler(config.sampler);
  const resourceAttributes = parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName = env.OTEL_SERVICE_NAME || config.service_name;
  const resource = resourceFromAttributes({
    ...resourceAttributes,
    'service.name': serviceName,
    'service.version': deps.serviceVersion,
    'process.runtime.name': deps.runtime.name,
    'process.runtime.version': deps.runtime.version,
  });

  const exportTimeoutMillis = envNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT') ?? 30000;
  let exporter: SpanExporter;
  let where: string;
  if (config.exporter.type === 'stdout') {
    exporter = new StdoutSpanExporter(deps.stdout ?? ((line) => console.log(line)));
    where = 'stdout';
  } else {
    const settings = resolveExporter(config.exporter, env);
    where = settings.url + (settings.source === 'config' ? '' : ` (from ${settings.source})`);
    // An export, its retries included, ends before the batch processor gives up on it, so that the
    // exporter never holds a batch the processor has moved on from.
    const timeoutMillis = Math.min(envNumber(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? envNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000, exportTimeoutMillis);
    exporter = new ReportingExporter(new OtlpHttpExporter({ url: settings.url, headers: settings.headers, timeoutMillis, ...(deps.fetch ? { fetch: deps.fetch } : {}) }), {
      logger: deps.logger,
      endpoint: settings.url,
      intervalMs: FAILURE_LOG_INTERVAL_MS,
      secrets: secretList(Object.values(settings.headers)),
      ...(deps.dropped ? { onFailure: (n: number) => deps.dropped!.exportFailed.inc(n) } : {}),
    });
    if (/:4317(\/|$)/.test(settings.url)) {
      deps.logger.warn('tracing exporter points at port 4317, the OTLP/gRPC port; this exporter speaks OTLP over HTTP/protobuf (usually port 4318), so exports will fail unless that port accepts OTLP/HTTP', { endpoint: settings.url });
    }
  }

  // stdout is for development: each span is printed when it ends, not after a batch delay.
  const processor = config.exporter.type === 'stdout' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, {
    // The standard OTEL_BSP_* variables, read from the gateway's environment.
    maxQueueSize: envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE') ?? 2048,
    maxExportBatchSize: envNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? 512,
    scheduledDelayMillis: envNumber(env, 'OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
    exportTimeoutMillis,
    ...(deps.dropped ? { selfObsMeterProvider: droppedSpansBridge(deps.dropped.queueFull) } : {}),
  } as ConstructorParameters<typeof BatchSpanProcessor>[1]);

  const provider = new BasicTracerProvider({ resource, sampler, spanProcessors: [processor], spanLimits: SPAN_LIMITS, idGenerator: new RandomIds() });
  const tracer = provider.getTracer('llm-gateway', deps.serviceVersion);
  const propagator = new W3CTraceContextPropagator();
  let stopped: Promise<void> | undefined;

  return {
    tracer,
    extract: (headers) => (headers.has('traceparent') ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT),
    description: `${where}, sampler ${config.sampler.type}${config.sampler.type === 'probability' ? ` ${config.sampler.rate}` : ''} (parent-based)`,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown();
      return stopped;
    },
  };
}

function createSampler(sampler: TracingConfig['sampler']): Sampler {
  const root =
    sampler.type === 'always' ? new AlwaysOnSampler() : sampler.type === 'never' ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(sampler.rate);
  // Parent-based: a caller's sampling decision in `traceparent` is followed.
  return new ParentBasedSampler({ root });
}

/**
 * The batch span processor reports dropped spans through OpenTelemetry's
 * self-observability counter `otel.sdk.processor.span.processed` with
 * `error.type=queue_full`; this bridge counts them in `otel_spans_dropped_total`.
 */
function droppedSpansBridge(queueFull: CounterChild): MeterProvider {
  const noop = createNoopMeter();
  const meter = Object.create(noop) as typeof noop;
  meter.createCounter = ((name: string, options?: object) =>
    name === 'otel.sdk.processor.span.processed'
      ? {
          add(count: number, attributes?: Record<string, unknown>) {
            if (attributes?.['error.type'] === 'queue_full') queueFull.inc(count);
          },
        }
      : noop.createCounter(name, options)) as typeof noop.createCounter;
  return { getMeter: () => meter };
}

function envNumber(env: Env, name: string): number | undefined {
  const text = env[name];
  return text !== undefined && text !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
}

/**
 * Whether spans started under `context` would be recorded. With parent-based
 * sampling a child of an unsampled span is never sampled, so callers skip
 * creating it at all (an unsampled request does no span work beyond its
 * server span's ids, which logs and propagation need).
 */
export function isSampled(context: Context | undefined): boolean {
  const span = context && trace.getSpan(context);
  return span !== undefined && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}
