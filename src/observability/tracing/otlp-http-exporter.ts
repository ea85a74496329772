import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readCapped } from '../../providers/http/read-capped.ts';
import type { UpstreamFetch } from '../../providers/http/upstream-exchange.ts';
import { encodeTraceRequest } from './otlp-encoder.ts';

/** The subset of fetch the exporter uses: what the Node adapter's transport also offers. */
export type Fetch = UpstreamFetch;

export interface OtlpHttpOptions {
  /** The full URL spans are POSTed to. */
  url: string;
  headers: Record<string, string>;
  /** Each export, its retries included, is abandoned after this long. */
  timeoutMillis: number;
  /** How to POST (default: the runtime's fetch; the Node adapter passes its node:http transport). */
  fetch?: Fetch;
  /** The first retry's delay before jitter; each further one is 1.5 times longer, up to 5 s. */
  initialBackoffMillis?: number;
  /** Attempts per export, the first included. */
  maxAttempts?: number;
  /** A number in [0, 1) (the jitter); Math.random by default. */
  random?: () => number;
}

/** The OTLP/HTTP specification's retryable answers: too many requests, bad gateway, unavailable, gateway timeout. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const DEFAULT_INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const DEFAULT_MAX_ATTEMPTS = 5;
/** What is read of a collector's answer: an ExportTraceServiceResponse, or an error text to quote. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Why an attempt failed, and whether trying again may help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The collector's `Retry-After`, in milliseconds. */
    readonly retryAfterMillis?: number,
  ) {
    super(message);
  }
}

/**
 * Sends spans as OTLP/HTTP protobuf (`application/x-protobuf`) with the
 * runtime's fetch, encoded by encodeTraceRequest.
 *
 * Retries follow the OTLP/HTTP specification: an answer of 429, 502, 503 or
 * 504, or no connection at all, is tried again after an exponential backoff
 * with jitter (about 1, 1.5, 2.25, 3.4 s; five attempts at most), or after
 * the collector's `Retry-After` when it sends one. Every attempt and every
 * wait fits in `timeoutMillis` from the start of the export: a retry that
 * could not happen in time is not waited for, and the export fails with the
 * last attempt's reason. Any other answer fails at once. The exporter holds
 * no queue of its own: a batch being retried is the one the batch processor
 * handed it, which sends one batch at a time while new spans wait in its
 * bounded queue (dropped and counted beyond it). What to do about a failure
 * (log, count) is the ReportingExporter's. Shutting down cuts waits short.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly headers: Record<string, string>;
  private readonly fetch: Fetch;
  private readonly random: () => number;
  private readonly pending = new Set<Promise<void>>();
  /** Wakes the exports waiting to retry (at shutdown). */
  private readonly waiting = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: OtlpHttpOptions) {
    this.headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.random = options.random ?? Math.random;
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
    const sent = this.deliver(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? new Error(error.message) : new Error(String(error)) }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  /** Attempts until one succeeds, one fails for good, or the time or the attempts are used up. */
  private async deliver(body: Uint8Array): Promise<void> {
    const { timeoutMillis } = this.options;
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const deadline = performance.now() + timeoutMillis;
    let backoff = this.options.initialBackoffMillis ?? DEFAULT_INITIAL_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(body, deadline - performance.now());
        return;
      } catch (error) {
        if (!(error instanceof AttemptError) || !error.retryable || attempt >= maxAttempts || this.stopped) throw error;
        // Jitter of ±20 %, so that gateways turned away together do not all come back together.
        const delay = error.retryAfterMillis ?? backoff * (0.8 + 0.4 * this.random());
        backoff = Math.min(backoff * BACKOFF_MULTIPLIER, MAX_BACKOFF_MS);
        // The wait and at least some of an attempt must fit before the deadline.
        if (performance.now() + delay >= deadline) throw error;
        await this.wait(delay);
        if (this.stopped) throw error;
      }
    }
  }

  private async send(body: Uint8Array, remainingMillis: number): Promise<void> {
    const { url, timeoutMillis } = this.options;
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(remainingMillis)));
    let response: Response;
    try {
      response = await this.fetch(url, { method: 'POST', headers: this.headers, body: body as Uint8Array<ArrayBuffer>, signal, redirect: 'manual' });
    } catch (error) {
      if (signal.aborted) throw new AttemptError(`no answer within ${timeoutMillis} ms`, false);
      // No answer at all (refused, reset): the specification's "cannot connect", retried.
      throw new AttemptError(error instanceof Error ? `${error.message}${causeText(error)}` : String(error), true);
    }
    // The body (an ExportTraceServiceResponse, or an error text) is read, within a bound, so the connection can be reused.
    const text = await readCapped(response, MAX_ANSWER_BYTES).catch(() => '');
    if (response.status >= 200 && response.status < 300) return;
    const message = `the collector answered HTTP ${response.status}${text && /^[\x09\x0a\x0d\x20-\x7e]*$/.test(text) ? `: ${text.slice(0, 500)}` : ''}`;
    const retryable = RETRYABLE_STATUS.has(response.status);
    throw new AttemptError(message, retryable, retryable ? retryAfter(response.headers.get('retry-after')) : undefined);
  }

  private wait(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, millis);
      this.waiting.add(wake);
    });
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.waiting]) wake();
    await Promise.all(this.pending);
  }
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; nothing when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month (`Wed, 21 Oct 2015 07:28:00 GMT`); Date.parse alone would take `-1` for a year.
  const date = /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** fetch's network errors say `fetch failed` and keep the reason (ECONNREFUSED …) in `cause`. */
function causeText(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
