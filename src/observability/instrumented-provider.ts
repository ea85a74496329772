import { isPull, pullOf, streamOf, type Pull, type Source } from '../streaming/pull.ts';
import { Cancellation } from '../core/cancellation.ts';
import { CancellableCall } from '../providers/cancellable-call.ts';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { abortSourceOf, streamEvents, type CanonicalEvent, type CanonicalRequest, type InputTokenCount, type Provider, type ProviderCall, type ProviderResult } from '../providers/provider.ts';
import type { Usage } from '../canonical/types.ts';
import type { OperationSeries, ProviderSeries } from './provider-series.ts';
import { meterStream, type StreamStats } from './stream-meter.ts';
import { isSampled, type Tracing } from './tracing/create-tracing.ts';
import { traceHeaders } from './tracing/trace-headers.ts';
import { ATTR, usageAttributes } from './tracing/span-attributes.ts';

/** OpenTelemetry GenAI `gen_ai.provider.name` values for our provider types; other types use their own name. */
const GEN_AI_PROVIDER: Readonly<Record<string, string>> = {
  azure_openai: 'azure.ai.openai',
  gemini: 'gcp.gemini',
};

export interface Instrumentation {
  /** Metric series for this (provider, model), when metrics are on. */
  series?: ProviderSeries;
  /** When tracing is on. */
  tracing?: Tracing;
  /** The configured model name (the `model` label and `provider.model`). */
  model: string;
}

type Operation = 'generate' | 'generate_stream' | 'count_tokens';

/**
 * A Provider that observes the provider it wraps, for one configured model:
 * metrics (requests by operation and status, latency, tokens, cost, and for
 * streams time to first event, chunks and stream duration) and a span
 * `provider.generate` / `provider.generate_stream` with the `provider.*` and
 * the OpenTelemetry GenAI attributes, whose context goes upstream as
 * `traceparent`. The wrapped provider is not changed; with metrics and
 * tracing off this wrapper is not installed at all.
 */
export class InstrumentedProvider implements Provider {
  private readonly tracer: Tracer | undefined;
  /** Present when the wrapped provider counts tokens itself: a `provider.count_tokens` span and `operation="count_tokens"` metrics. */
  readonly countInputTokens?: (request: CanonicalRequest, call: ProviderCall) => Promise<InputTokenCount>;

  constructor(
    private readonly delegate: Provider,
    private readonly options: Instrumentation,
  ) {
    this.tracer = options.tracing?.tracer;
    if (delegate.countInputTokens) this.countInputTokens = (request, call) => this.observeCount(request, call);
  }

  private async observeCount(request: CanonicalRequest, call: ProviderCall): Promise<InputTokenCount> {
    const op = this.options.series?.countTokens();
    const span = this.startSpan('count_tokens', request, call);
    const start = performance.now();
    let count: InputTokenCount;
    try {
      count = await this.delegate.countInputTokens!(request, span ? this.propagate(call, span) : call);
    } catch (error) {
      throw failedCall(op, span, start, call, error);
    }
    if (op) {
      op.success.inc();
      op.duration.observe((performance.now() - start) / 1000);
    }
    if (span) {
      if (span.isRecording()) span.setAttribute(ATTR.genAiUsageInputTokens, count.input_tokens);
      span.end();
    }
    return count;
  }

  get name(): string {
    return this.delegate.name;
  }

  get type(): string {
    return this.delegate.type;
  }

  generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    const op = this.options.series?.generate;
    const span = this.startSpan('generate', request, call);
    // Metrics off and the request not sampled (its traceparent is already among the call's headers).
    if (!op && !span) return this.delegate.generate(request, call);
    if (!span) return this.countGenerate(request, call, op!);
    return this.observeGenerate(request, call, op, span);
  }

  /** Metrics only (no span): one `then` on the delegate's promise, not an async frame. */
  private countGenerate(request: CanonicalRequest, call: ProviderCall, op: OperationSeries): Promise<ProviderResult> {
    const start = performance.now();
    let pending: Promise<ProviderResult>;
    try {
      pending = this.delegate.generate(request, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        op.success.inc();
        op.duration.observe((performance.now() - start) / 1000);
        this.countUsage(result.usage);
        return result;
      },
      (error: unknown) => {
        throw failedCall(op, undefined, start, call, error);
      },
    );
  }

  private async observeGenerate(request: CanonicalRequest, call: ProviderCall, op: OperationSeries | undefined, span: Span | undefined): Promise<ProviderResult> {
    const start = performance.now();
    let result: ProviderResult;
    try {
      result = await this.delegate.generate(request, span ? this.propagate(call, span) : call);
    } catch (error) {
      throw failedCall(op, span, start, call, error);
    }
    if (op) {
      op.success.inc();
      op.duration.observe((performance.now() - start) / 1000);
      this.countUsage(result.usage);
    }
    if (span) {
      if (span.isRecording()) {
        const attributes = usageAttributes({}, result.usage);
        attributes[ATTR.genAiResponseModel] = result.model ?? request.model;
        attributes[ATTR.genAiResponseFinishReasons] = [result.status === 'incomplete' ? (result.incomplete_reason ?? 'length') : 'stop'];
        span.setAttributes(attributes);
      }
      span.end();
    }
    return result;
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    const events = await this.streamSource(request, call);
    return isPull(events) ? streamOf(events) : events;
  }

  async streamPull(request: CanonicalRequest, call: ProviderCall): Promise<Pull<CanonicalEvent>> {
    return pullOf(await this.streamSource(request, call));
  }

  private async streamSource(request: CanonicalRequest, call: ProviderCall): Promise<Source<CanonicalEvent>> {
    const op = this.options.series?.generate_stream;
    const start = performance.now();
    const span = this.startSpan('generate_stream', request, call);
    let source: Source<CanonicalEvent>;
    try {
      source = await streamEvents(this.delegate, request, span ? this.propagate(call, span) : call);
    } catch (error) {
      throw failedCall(op, span, start, call, error);
    }
    if (!op && !span) return source;
    return meterStream(source, abortSourceOf(call), (stats) => {
      if (op) this.settleMetrics(op, start, stats);
      if (span) settleSpan(span, start, stats, request.model);
    });
  }

  /** The provider span, or nothing when tracing is off or the request is not sampled. */
  private startSpan(operation: Operation, request: CanonicalRequest, call: ProviderCall): Span | undefined {
    if (!this.tracer || !isSampled(call.context)) return undefined;
    const span = this.tracer.startSpan(`provider.${operation}`, { kind: SpanKind.CLIENT }, call.context);
    if (span.isRecording()) {
      const attributes: Attributes = {
        [ATTR.providerName]: this.delegate.name,
        [ATTR.providerModel]: this.options.model,
        [ATTR.genAiOperationName]: 'chat',
        [ATTR.genAiProviderName]: GEN_AI_PROVIDER[this.delegate.type] ?? this.delegate.type,
        [ATTR.genAiRequestModel]: request.model,
        [ATTR.genAiRequestStream]: operation === 'generate_stream',
      };
      if (request.max_output_tokens !== null) attributes[ATTR.genAiRequestMaxTokens] = request.max_output_tokens;
      if (request.temperature !== null) attributes[ATTR.genAiRequestTemperature] = request.temperature;
      span.setAttributes(attributes);
    }
    return span;
  }

  /** The call as the delegate sees it: the provider span is the parent of whatever goes upstream. */
  private propagate(call: ProviderCall, span: Span): ProviderCall {
    // Object.assign, not a spread: adding keys to an object made by spread is slow on Node 20's V8.
    const headers: Record<string, string> = Object.assign({}, call.headers, traceHeaders(span.spanContext()));
    const context = trace.setSpan(call.context ?? ROOT_CONTEXT, span);
    const cancellation = call.cancellation;
    // The request's own cancellation when it has one, so that no AbortSignal is made for it.
    return cancellation instanceof Cancellation ? new CancellableCall(cancellation, headers, context) : { signal: call.signal, headers, context };
  }

  private settleMetrics(op: OperationSeries, start: number, stats: StreamStats): void {
    const series = this.options.series!;
    op[stats.outcome].inc();
    op.duration.observe((stats.endedAt - start) / 1000);
    if (stats.firstEventAt !== undefined) {
      series.ttfb.observe((stats.firstEventAt - start) / 1000);
      series.streamDuration.observe((stats.endedAt - stats.firstEventAt) / 1000);
    }
    series.chunks.inc(stats.chunks);
    if (stats.usage) this.countUsage(stats.usage);
  }

  private countUsage(usage: Usage): void {
    const series = this.options.series!;
    series.inputTokens.inc(usage.input_tokens);
    series.outputTokens.inc(usage.output_tokens);
    const cost = series.cost;
    if (cost) cost.child.inc(usage.input_tokens * cost.inputPerToken + usage.output_tokens * cost.outputPerToken);
  }
}


/**
 * A call that failed before it produced a result (cancelled if the client had
 * gone, else an error): records it and returns the error to rethrow.
 */
function failedCall(op: OperationSeries | undefined, span: Span | undefined, start: number, call: ProviderCall, error: unknown): unknown {
  const signal = abortSourceOf(call);
  if (op) {
    (signal.aborted ? op.cancelled : op.error).inc();
    op.duration.observe((performance.now() - start) / 1000);
  }
  if (span) endFailed(span, error, signal.aborted);
  return error;
}

/**
 * A client that went away is not an error of the call: the span gets the
 * event `client.disconnect` and its status stays unset. Anything else is an
 * error with the exception recorded.
 */
function endFailed(span: Span, error: unknown, cancelled: boolean): void {
  if (span.isRecording()) {
    if (cancelled) {
      span.addEvent('client.disconnect');
    } else {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : 'error');
    }
  }
  span.end();
}

function settleSpan(span: Span, start: number, stats: StreamStats, requestModel: string): void {
  if (span.isRecording()) {
    // Everything the stream tells, in one setAttributes call.
    const attributes: Attributes = stats.usage ? usageAttributes({}, stats.usage) : {};
    attributes[ATTR.providerChunkCount] = stats.chunks;
    attributes[ATTR.genAiResponseModel] = stats.responseModel ?? requestModel;
    if (stats.firstEventAt !== undefined) attributes[ATTR.providerTtfbSeconds] = (stats.firstEventAt - start) / 1000;
    if (stats.finishReason) attributes[ATTR.genAiResponseFinishReasons] = [stats.finishReason];
    span.setAttributes(attributes);
    if (stats.outcome !== 'success') {
      endFailed(span, stats.error ?? new Error('stream failed'), stats.outcome === 'cancelled');
      return;
    }
  }
  span.end();
}
