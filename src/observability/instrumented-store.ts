import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { ConversationStore, StoredResponse } from '../conversation/store.ts';
import type { CounterChild } from './metrics/counter-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { HistogramChild } from './metrics/histogram-family.ts';
import { isSampled } from './tracing/create-tracing.ts';

interface OpSeries {
  success: CounterChild;
  error: CounterChild;
  duration: HistogramChild;
}

type Operation = 'get' | 'create' | 'delete';

export interface StoreInstrumentation {
  metrics?: GatewayMetrics;
  tracer?: Tracer;
}

/**
 * A ConversationStore that observes the store it wraps: metrics
 * (`conversation_operations_total`, `conversation_operation_duration_seconds`,
 * and `conversation_active_count` read from the store at scrape time) and
 * spans `conversation.get|create|delete` with `conversation.id`,
 * `conversation.backend`, `conversation.message_count` and
 * `conversation.model`. Readiness pings and the gauge's own count are not
 * API operations and are not recorded.
 */
export class InstrumentedStore implements ConversationStore {
  private readonly ops: Record<Operation, OpSeries> | undefined;
  private readonly tracer: Tracer | undefined;

  constructor(
    private readonly delegate: ConversationStore,
    { metrics, tracer }: StoreInstrumentation,
  ) {
    const backend = delegate.backend;
    this.tracer = tracer;
    if (metrics) {
      const op = (name: string): OpSeries => ({
        success: metrics.storeOperations.child(name, backend, 'success'),
        error: metrics.storeOperations.child(name, backend, 'error'),
        duration: metrics.storeDuration.child(name, backend),
      });
      this.ops = { get: op('get'), create: op('create'), delete: op('delete') };
      metrics.activeConversations(backend, () => delegate.count());
    }
  }

  get backend(): string {
    return this.delegate.backend;
  }

  get(id: string, context?: Context): Promise<StoredResponse | undefined> {
    const series = this.ops?.get;
    const span = this.startSpan('get', context);
    if (!series && !span) return this.delegate.get(id);
    return this.record(series, span, id, () => this.delegate.get(id), (s, found) => {
      s.setAttribute('conversation.found', found !== undefined);
      if (found) describe(s, found);
    });
  }

  create(record: StoredResponse, context?: Context): Promise<void> {
    const series = this.ops?.create;
    const span = this.startSpan('create', context);
    if (!series && !span) return this.delegate.create(record);
    return this.record(series, span, record.id, () => this.delegate.create(record), (s) => describe(s, record));
  }

  delete(id: string, context?: Context): Promise<boolean> {
    const series = this.ops?.delete;
    const span = this.startSpan('delete', context);
    if (!series && !span) return this.delegate.delete(id);
    return this.record(series, span, id, () => this.delegate.delete(id), (s, deleted) => s.setAttribute('conversation.deleted', deleted));
  }

  count(): Promise<number> {
    return this.delegate.count();
  }

  ping(): Promise<void> {
    return this.delegate.ping();
  }

  close(): Promise<void> {
    return this.delegate.close();
  }

  /** A span only when tracing is on and the request is sampled (nothing otherwise, so nothing recorded). */
  private startSpan(operation: Operation, context: Context | undefined): Span | undefined {
    return this.tracer && isSampled(context) ? this.tracer.startSpan(`conversation.${operation}`, { kind: SpanKind.INTERNAL }, context) : undefined;
  }

  private async record<T>(series: OpSeries | undefined, span: Span | undefined, id: string, run: () => Promise<T>, annotate: (span: Span, result: T) => void): Promise<T> {
    const recording = span?.isRecording() ?? false;
    if (recording) span!.setAttributes({ 'conversation.id': id, 'conversation.backend': this.delegate.backend });
    const start = performance.now();
    try {
      const result = await run();
      series?.success.inc();
      if (recording) annotate(span!, result);
      return result;
    } catch (error) {
      series?.error.inc();
      if (recording) {
        span!.recordException(error instanceof Error ? error : String(error));
        span!.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      throw error;
    } finally {
      series?.duration.observe((performance.now() - start) / 1000);
      span?.end();
    }
  }
}

function describe(span: Span, record: StoredResponse): void {
  span.setAttributes({
    'conversation.message_count': record.input.length + record.response.output.length,
    'conversation.model': record.response.model,
  });
}
