import type { CanonicalEvent, CanonicalRequest, Provider, ProviderCall, ProviderResult } from '../providers/provider.ts';
import type { Usage } from '../responses/types.ts';
import type { OperationSeries, ProviderSeries } from './provider-series.ts';
import { meterStream, type StreamStats } from './stream-meter.ts';

/**
 * A Provider that records the calls of the provider it wraps, for one
 * configured model: requests by operation and status, latency, tokens, cost,
 * and for streams time to first event, chunks and stream duration. The
 * wrapped provider is not changed; with metrics off this wrapper is not
 * installed at all.
 */
export class InstrumentedProvider implements Provider {
  constructor(
    private readonly delegate: Provider,
    private readonly series: ProviderSeries,
  ) {}

  get name(): string {
    return this.delegate.name;
  }

  get type(): string {
    return this.delegate.type;
  }

  async generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    const op = this.series.generate;
    const start = performance.now();
    let result: ProviderResult;
    try {
      result = await this.delegate.generate(request, call);
    } catch (error) {
      throw failed(op, start, call.signal, error);
    }
    op.success.inc();
    op.duration.observe((performance.now() - start) / 1000);
    this.countUsage(result.usage);
    return result;
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    const op = this.series.generate_stream;
    const start = performance.now();
    let source: ReadableStream<CanonicalEvent>;
    try {
      source = await this.delegate.stream(request, call);
    } catch (error) {
      throw failed(op, start, call.signal, error);
    }
    return meterStream(source, call.signal, (stats) => this.settleStream(op, start, stats));
  }

  private settleStream(op: OperationSeries, start: number, stats: StreamStats): void {
    op[stats.outcome].inc();
    op.duration.observe((stats.endedAt - start) / 1000);
    if (stats.firstEventAt !== undefined) {
      this.series.ttfb.observe((stats.firstEventAt - start) / 1000);
      this.series.streamDuration.observe((stats.endedAt - stats.firstEventAt) / 1000);
    }
    this.series.chunks.inc(stats.chunks);
    if (stats.usage) this.countUsage(stats.usage);
  }

  private countUsage(usage: Usage): void {
    this.series.inputTokens.inc(usage.input_tokens);
    this.series.outputTokens.inc(usage.output_tokens);
    const cost = this.series.cost;
    if (cost) cost.child.inc(usage.input_tokens * cost.inputPerToken + usage.output_tokens * cost.outputPerToken);
  }
}

/** Records a call that failed before it produced a result (cancelled if the client had gone); returns the error. */
function failed(op: OperationSeries, start: number, signal: AbortSignal, error: unknown): unknown {
  (signal.aborted ? op.cancelled : op.error).inc();
  op.duration.observe((performance.now() - start) / 1000);
  return error;
}
