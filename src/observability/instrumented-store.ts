import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { ConversationStore, StoreCall, StoredTurn } from '../conversation/store.ts';
import type { CounterChild } from './metrics/counter-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { HistogramChild } from './metrics/histogram-family.ts';
import { StoreUnavailableError } from '../errors/gateway-error.ts';
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
 * and `conversation_active_count`, which the store keeps so a scrape costs no
 * query) and spans `conversation.get|create|delete` with `conversation.id`,
 * `conversation.backend`, `conversation.message_count` and
 * `conversation.model`. Reading a chain (to continue a conversation) is a
 * `get` of its last turn. Readiness pings are not API operations and are not
 * recorded.
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
      metrics.activeConversations(backend, () => delegate.activeCount());
    }
  }

  get backend(): string {
    return this.delegate.backend;
  }

  get(call: StoreCall, id: string): Promise<StoredTurn | undefined> {
    const series = this.ops?.get;
    const span = this.startSpan('get', call.context);
    if (!span) return series ? timed(series, performance.now(), () => this.delegate.get(call, id)) : this.delegate.get(call, id);
    return this.record(series, span, id, () => this.delegate.get(call, id), (s, found) => {
      s.setAttribute('conversation.found', found !== undefined);
      if (found) describe(s, found);
    });
  }

  chain(call: StoreCall, id: string): Promise<StoredTurn[] | { broken: string } | undefined> {
    const series = this.ops?.get;
    const span = this.startSpan('get', call.context);
    if (!span) return series ? timed(series, performance.now(), () => this.delegate.chain(call, id)) : this.delegate.chain(call, id);
    return this.record(series, span, id, () => this.delegate.chain(call, id), (s, found) => {
      const turns = Array.isArray(found) ? found : undefined;
      s.setAttribute('conversation.found', turns !== undefined);
      if (turns) s.setAttribute('conversation.turns', turns.length);
      if (turns) describe(s, turns[turns.length - 1]!);
    });
  }

  create(call: StoreCall, turn: StoredTurn): Promise<void> {
    const series = this.ops?.create;
    const span = this.startSpan('create', call.context);
    if (!span) return series ? timed(series, performance.now(), () => this.delegate.create(call, turn)) : this.delegate.create(call, turn);
    return this.record(series, span, turn.id, () => this.delegate.create(call, turn), (s) => describe(s, turn));
  }

  delete(call: StoreCall, id: string): Promise<boolean> {
    const series = this.ops?.delete;
    const span = this.startSpan('delete', call.context);
    if (!span) return series ? timed(series, performance.now(), () => this.delegate.delete(call, id)) : this.delegate.delete(call, id);
    return this.record(series, span, id, () => this.delegate.delete(call, id), (s, deleted) => s.setAttribute('conversation.deleted', deleted));
  }

  activeCount(): number {
    return this.delegate.activeCount();
  }

  ping(): Promise<void> {
    return this.delegate.ping();
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
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
        // An unavailable store's span says why (the client's message only names the backend).
        const message = error instanceof StoreUnavailableError ? `${error.message} (${error.reason})` : error instanceof Error ? error.message : String(error);
        span!.setStatus({ code: SpanStatusCode.ERROR, message });
      }
      throw error;
    } finally {
      series?.duration.observe((performance.now() - start) / 1000);
      span?.end();
    }
  }
}

/**
 * Metrics without a span: the operation counted and timed with one `then`,
 * not an async frame and two closures (what every stored response costs with
 * metrics on).
 */
function timed<T>(series: OpSeries, start: number, run: () => Promise<T>): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then(
    (result) => {
      series.success.inc();
      series.duration.observe((performance.now() - start) / 1000);
      return result;
    },
    (error: unknown) => {
      series.error.inc();
      series.duration.observe((performance.now() - start) / 1000);
      throw error;
    },
  );
}

/** `conversation.message_count`: the conversation's items up to and including this turn's output. */
function describe(span: Span, turn: StoredTurn): void {
  span.setAttributes({
    'conversation.message_count': turn.historyItems + turn.input.length + turn.response.output.length,
    'conversation.model': turn.response.model,
  });
}
