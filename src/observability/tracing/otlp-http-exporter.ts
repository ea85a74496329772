import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from './otlp-encoder.ts';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface OtlpHttpOptions {
  /** The full URL spans are POSTed to. */
  url: string;
  headers: Record<string, string>;
  /** Each export is abandoned after this long. */
  timeoutMillis: number;
  /** The runtime's fetch (a test passes its own). */
  fetch?: Fetch;
}

/**
 * Sends spans as OTLP/HTTP protobuf (`application/x-protobuf`) with the
 * runtime's fetch, encoded by encodeTraceRequest. A non-2xx answer, a
 * network error or the timeout fails the export with an Error that says
 * which; what to do about it (log, count) is the ReportingExporter's.
 * Failed exports are not retried: the batch processor's next batch is the
 * next attempt, and a collector that is down costs one request per batch.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly headers: Record<string, string>;
  private readonly fetch: Fetch;
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: OtlpHttpOptions) {
    this.headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
      return;
    }
    let body: Uint8Array;
    try {
      body = encodeTraceRequest(spans);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    const sent = this.send(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  private async send(body: Uint8Array): Promise<void> {
    const { url, timeoutMillis } = this.options;
    const signal = AbortSignal.timeout(timeoutMillis);
    let response: Response;
    try {
      response = await this.fetch(url, { method: 'POST', headers: this.headers, body: body as Uint8Array<ArrayBuffer>, signal, redirect: 'manual' });
    } catch (error) {
      if (signal.aborted) throw new Error(`no answer within ${timeoutMillis} ms`);
      throw error instanceof Error ? new Error(`${error.message}${causeText(error)}`) : new Error(String(error));
    }
    // The body (an ExportTraceServiceResponse, or an error text) is read so the connection can be reused.
    const text = await response.text().catch(() => '');
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`the collector answered HTTP ${response.status}${text && /^[\x09\x0a\x0d\x20-\x7e]*$/.test(text) ? `: ${text}` : ''}`);
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pending);
  }
}

/** fetch's network errors say `fetch failed` and keep the reason (ECONNREFUSED …) in `cause`. */
function causeText(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
