import type { CanonicalRequest } from '../../canonical/canonical-request.ts';
import type { ResponseObject } from '../../canonical/types.ts';
import type { BackgroundConfig } from '../../config/schema.ts';
import type { Inflight } from '../../core/inflight.ts';
import { jsonResponse } from '../../core/json-response.ts';
import type { Lifecycle } from '../../core/lifecycle.ts';
import { RequestScope, traceFields } from '../../core/request-scope.ts';
import { InvalidRequestError, RateLimitError, toGatewayError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ModelPipeline } from '../../pipeline/model-pipeline.ts';
import type { Route } from '../../providers/model-router.ts';
import { SSE_HEADERS, sseEventBytes } from '../../streaming/sse.ts';
import { deliveryResponse } from '../../streaming/track-delivery.ts';
import type { ResponseDraft } from '../response-draft.ts';
import { responsesStreamTransformer } from '../responses-stream-encoder.ts';
import { transformPull } from '../../streaming/transform-pull.ts';
import { pullOf, streamOf } from '../../streaming/pull.ts';
import { BackgroundRun } from './background-run.ts';

/** At shutdown, how long cancelled runs get to save their final object. */
const CANCEL_FLUSH_MS = 2_000;

export interface BackgroundRunsOptions {
  config: BackgroundConfig;
  pipeline: ModelPipeline;
  logger: Logger;
  /** The gateway's in-flight count: a draining gateway waits for running background responses too. */
  inflight?: Inflight;
  /** Clock in milliseconds. */
  now: () => number;
}

/** A background response to start: what the service prepared. */
export interface BackgroundSpec {
  draft: ResponseDraft;
  route: Route;
  request: CanonicalRequest;
  stream: boolean;
  /** Stores the final object; must not throw. */
  save: (response: ResponseObject) => Promise<void>;
}

/** The scope of a request that ended long ago: nothing to record. */
function noFinish(): void {}

/**
 * `background: true` responses: each a model call through the pipeline that
 * runs on without the client, bounded in number (`max_in_flight`; one more
 * is a 429), whose final object is stored like any response. Finished runs
 * stay here a while (`keep_events_for`, at most `max_kept_runs`) so their
 * streams can be resumed. At shutdown, runs still going are cancelled and
 * their `cancelled` object is saved.
 */
export class BackgroundRuns implements Lifecycle {
  private readonly runs = new Map<string, BackgroundRun>();
  /** Finished runs, in the order they ended (so the oldest is first). */
  private readonly finished: BackgroundRun[] = [];
  private running = 0;
  private stopping = false;

  constructor(private readonly options: BackgroundRunsOptions) {}

  get inFlight(): number {
    return this.running;
  }

  /** Starts a run; answers at once: the queued object, or (`stream`) an SSE stream that follows the run. */
  start(spec: BackgroundSpec, creator: RequestScope): Response {
    const { config, pipeline } = this.options;
    this.sweep();
    if (this.stopping) throw new RateLimitError('The gateway is shutting down; background responses are not accepted.', { code: 'shutting_down' });
    if (this.running >= config.max_in_flight) {
      throw new RateLimitError(`Too many background responses in progress (at most ${config.max_in_flight}); retry when one has finished.`, {
        code: 'too_many_background_responses',
      });
    }
    // The run's own scope: the creating request ends now, its trace goes on as the run's parent.
    const scope = new RequestScope(creator.id, noFinish);
    scope.principal = creator.principal;
    scope.client = creator.client;
    scope.span = creator.span;
    scope.traceContext = creator.traceContext;
    scope.traceHeaders = creator.traceHeaders;
    const call = pipeline.open('responses', scope, spec.route, spec.request, true);
    const run = new BackgroundRun(spec.draft.id, spec.draft, call, scope, spec.stream, { maxEvents: config.max_events, maxBytes: config.max_event_bytes });
    this.runs.set(run.id, run);
    this.running++;
    this.options.inflight?.begin();
    const queued = run.current();
    run.done = Promise.resolve().then(() => this.execute(run, spec));
    if (!spec.stream) return jsonResponse(queued);
    return deliveryResponse(pullOf(run.follow(-1)), creator, { headers: SSE_HEADERS });
  }

  /** A run still known here (running, or finished recently). */
  get(id: string): BackgroundRun | undefined {
    this.sweep();
    return this.runs.get(id);
  }

  /** Resumes a run's stream after sequence number `startingAfter`. */
  resume(run: BackgroundRun, startingAfter: number, creator: RequestScope): Response {
    if (!run.streamed) {
      throw new InvalidRequestError(`Response ${quoteValue(run.id)} was not created with stream: true; its events were not kept.`, { param: 'stream', code: 'invalid_value' });
    }
    if (startingAfter + 1 < run.oldestKept) {
      throw new InvalidRequestError(`Events of response ${quoteValue(run.id)} before sequence number ${run.oldestKept} are no longer kept.`, {
        param: 'starting_after',
        code: 'invalid_value',
      });
    }
    return deliveryResponse(pullOf(run.follow(startingAfter)), creator, { headers: SSE_HEADERS });
  }

  /** Cancels a run; resolves with its final object (unchanged when it had already ended). */
  async cancel(run: BackgroundRun): Promise<ResponseObject> {
    if (!run.final) {
      run.cancelRequested = true;
      run.call.end('cancelled');
      run.scope.controller.abort(new DOMException('The response was cancelled.', 'AbortError'));
      // Cancelling the encoded stream cancels the provider's, which aborts the upstream request.
      run.reader?.cancel().catch(() => {});
    }
    await run.done;
    return run.final!;
  }

  /** Waits for runs still going until `timeoutMs`, then cancels the rest and waits for their final objects. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const live = [...this.runs.values()].filter((run) => !run.final);
    if (live.length > 0) {
      this.options.logger.warn('cancelling background responses still running at shutdown', { responses: live.length });
      await Promise.race([Promise.all(live.map((run) => this.cancel(run))), new Promise((resolve) => setTimeout(resolve, CANCEL_FLUSH_MS))]);
    }
    for (const run of this.runs.values()) run.release();
    this.runs.clear();
    this.finished.length = 0;
  }

  private async execute(run: BackgroundRun, spec: BackgroundSpec): Promise<void> {
    const { pipeline } = this.options;
    try {
      if (run.cancelRequested) throw new DOMException('The response was cancelled.', 'AbortError');
      run.status = 'in_progress';
      const events = await pipeline.stream(run.call);
      const encoder = responsesStreamTransformer(spec.draft, run.call, (response) => this.settle(run, spec, response), sseEventBytes);
      run.reader = streamOf(transformPull(events, encoder)).getReader();
      if (run.cancelRequested) void run.reader.cancel().catch(() => {});
      for (;;) {
        const { done, value } = await run.reader.read();
        // After a cancel, whatever the encoder still had is not the run's: its terminal event is the cancel's.
        if (done || run.cancelRequested) break;
        run.push(value);
      }
    } catch (error) {
      if (!run.cancelRequested) {
        const failure = toGatewayError(error);
        await this.settle(run, spec, spec.draft.finish('failed', [], run.call.usage, {
          error: { code: failure.status >= 500 ? 'server_error' : (failure.code ?? 'invalid_request'), message: failure.message },
        }));
        run.push(terminalEvent(run, 'response.failed'));
      }
    }
    if (run.cancelRequested) {
      // The stream was cut where it stood: what was made so far is dropped, the object says cancelled.
      if (!run.final) await this.settle(run, spec, spec.draft.finish('cancelled', [], run.call.usage));
      // No event type says cancelled: the terminal event is response.failed carrying the cancelled object.
      if (run.final!.status === 'cancelled') run.push(terminalEvent(run, 'response.failed'));
    }
    this.finish(run);
  }

  /** Sets the run's final object (once) and stores it. */
  private async settle(run: BackgroundRun, spec: BackgroundSpec, response: ResponseObject): Promise<void> {
    if (run.final) return;
    if (run.cancelRequested && response.status !== 'cancelled') response = spec.draft.finish('cancelled', [], run.call.usage);
    run.final = response;
    await spec.save(response);
  }

  private finish(run: BackgroundRun): void {
    run.end();
    run.endedAt = this.options.now();
    run.scope.end(run.final?.status === 'cancelled' ? 'cancelled' : 'completed');
    this.running--;
    this.options.inflight?.end();
    if (run.final?.status === 'failed') {
      this.options.logger.warn('background response failed', { request_id: run.scope.id, ...traceFields(run.scope), response_id: run.id, error: run.final.error?.message });
    }
    this.finished.push(run);
    this.sweep();
  }

  /** Forgets finished runs past `keep_events_for` or beyond `max_kept_runs` (oldest first). */
  private sweep(): void {
    const { keep_events_for: keepFor, max_kept_runs: maxKept } = this.options.config;
    const cutoff = this.options.now() - keepFor;
    while (this.finished.length > 0 && (this.finished.length > maxKept || this.finished[0]!.endedAt <= cutoff)) {
      const run = this.finished.shift()!;
      run.release();
      if (this.runs.get(run.id) === run) this.runs.delete(run.id);
    }
  }
}

/** The terminal event of a run that ended outside the encoder (a failure before the stream, a cancel). */
function terminalEvent(run: BackgroundRun, type: 'response.failed'): Uint8Array {
  return sseEventBytes(type, JSON.stringify({ type, response: run.final, sequence_number: run.nextSeq }));
}
