import type { ConversationStore, StoredResponse } from '../conversation/store.ts';
import type { CounterChild } from './metrics/counter-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { HistogramChild } from './metrics/histogram-family.ts';

interface OpSeries {
  success: CounterChild;
  error: CounterChild;
  duration: HistogramChild;
}

/**
 * A ConversationStore that records the operations of the store it wraps
 * (`conversation_operations_total`, `conversation_operation_duration_seconds`)
 * and exposes `conversation_active_count` read from it at scrape time.
 * Readiness pings and the gauge's own count are not operations of the API and
 * are not counted.
 */
export class InstrumentedStore implements ConversationStore {
  private readonly ops: Record<'get' | 'create' | 'delete', OpSeries>;

  constructor(
    private readonly delegate: ConversationStore,
    metrics: GatewayMetrics,
  ) {
    const backend = delegate.backend;
    const op = (name: string): OpSeries => ({
      success: metrics.storeOperations.child(name, backend, 'success'),
      error: metrics.storeOperations.child(name, backend, 'error'),
      duration: metrics.storeDuration.child(name, backend),
    });
    this.ops = { get: op('get'), create: op('create'), delete: op('delete') };
    metrics.activeConversations(backend, () => delegate.count());
  }

  get backend(): string {
    return this.delegate.backend;
  }

  get(id: string): Promise<StoredResponse | undefined> {
    return this.timed(this.ops.get, () => this.delegate.get(id));
  }

  create(record: StoredResponse): Promise<void> {
    return this.timed(this.ops.create, () => this.delegate.create(record));
  }

  delete(id: string): Promise<boolean> {
    return this.timed(this.ops.delete, () => this.delegate.delete(id));
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

  private async timed<T>(series: OpSeries, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const result = await run();
      series.success.inc();
      return result;
    } catch (error) {
      series.error.inc();
      throw error;
    } finally {
      series.duration.observe((performance.now() - start) / 1000);
    }
  }
}
