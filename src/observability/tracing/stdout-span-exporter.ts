import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

/**
 * Writes each finished span as one JSON object per line (the `stdout`
 * exporter, for development): ids, parent, name, kind, times, status,
 * attributes and events.
 */
export class StdoutSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const context = span.spanContext();
      const start = hrTimeToMicroseconds(span.startTime);
      this.write(
        JSON.stringify({
          trace_id: context.traceId,
          span_id: context.spanId,
          parent_span_id: span.parentSpanContext?.spanId,
          name: span.name,
          kind: KINDS[span.kind],
          start_time: new Date(start / 1000).toISOString(),
          duration_ms: (hrTimeToMicroseconds(span.endTime) - start) / 1000,
          status: { code: STATUS[span.status.code], message: span.status.message },
          attributes: span.attributes,
          events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
          service_name: span.resource.attributes['service.name'],
        }),
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
