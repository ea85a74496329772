import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { excerpt } from '../../errors/redact.ts';
import type { Logger } from '../logger.ts';

export interface ReportingOptions {
  logger: Logger;
  /** Where spans go, for the log line. */
  endpoint: string;
  /** At most one failure log line per this many milliseconds. */
  intervalMs: number;
  /** Called with the number of spans in each failed export. */
  onFailure?: (spans: number) => void;
  now?: () => number;
  /** The exporter's header values (an `authorization` token): a collector's error text may echo them. */
  secrets?: readonly string[];
}

/**
 * Wraps an exporter so that failures (collector down, wrong port) are logged,
 * at most once per interval with the count since the last line, instead of
 * going to OpenTelemetry's global error handler. A failure never reaches a
 * request: exports run in the background batch processor.
 */
export class ReportingExporter implements SpanExporter {
  private lastLogAt = Number.NEGATIVE_INFINITY;
  private failedSinceLog = 0;
  private readonly now: () => number;

  constructor(
    private readonly delegate: SpanExporter,
    private readonly options: ReportingOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.delegate.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.report(spans.length, result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.delegate.forceFlush?.() ?? Promise.resolve();
  }

  private report(spans: number, error: Error | undefined): void {
    this.options.onFailure?.(spans);
    this.failedSinceLog += spans;
    const now = this.now();
    if (now - this.lastLogAt < this.options.intervalMs) return;
    this.lastLogAt = now;
    this.options.logger.warn('trace export failed', {
      endpoint: this.options.endpoint,
      spans_dropped: this.failedSinceLog,
      error: error ? excerpt(error.message, 1_000, this.options.secrets ?? []) : 'unknown error',
      hint: /:4317\b/.test(this.options.endpoint)
        ? 'port 4317 is OTLP/gRPC; this exporter sends OTLP over HTTP/protobuf, usually on port 4318'
        : 'is the collector running and accepting OTLP/HTTP at this URL?',
    });
    this.failedSinceLog = 0;
  }
}
