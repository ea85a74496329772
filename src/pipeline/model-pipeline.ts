import type { Source } from '../streaming/pull.ts';
import { streamEvents } from '../providers/provider.ts';
import type { CanonicalEvent } from '../canonical/canonical-event.ts';
import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { ProviderResult } from '../canonical/canonical-result.ts';
import { principalRef } from '../core/principal.ts';
import { traceFields, type RequestScope } from '../core/request-scope.ts';
import type { Logger } from '../observability/logger.ts';
import type { Answered, AnswerOptions } from '../providers/answering-provider.ts';
import { UNKNOWN_MODEL, type ModelRouter, type Route } from '../providers/model-router.ts';
import { jsonResponse } from '../core/json-response.ts';
import { catchPullErrors } from '../streaming/catch-stream-errors.ts';
import type { Pull } from '../streaming/pull.ts';
import { SSE_HEADERS } from '../streaming/sse.ts';
import { deliveryResponse } from '../streaming/track-delivery.ts';
import type { CallHook } from './call-hook.ts';
import { ModelCall, type CallApi, type CallSettler, type CallStatus } from './model-call.ts';
import { providerCall } from './provider-call.ts';

export interface ModelPipelineOptions {
  router: ModelRouter;
  logger: Logger;
  /** Call policy, in order (see CallHook). */
  hooks?: readonly CallHook[];
}

/**
 * The one path every model call takes, whichever client API it came in on
 * (each API only translates its wire format to the canonical request and the
 * canonical result or events back):
 *
 *   route (model name → provider, already wrapped per target by ModelRouter)
 *   → `before` hooks → the provider (its time counted as upstream time)
 *   → the answer: a result, or canonical events the API encodes and hands to
 *     `respond` → `after` hooks, once, when the call has ended.
 *
 * Ending a call logs `response generated` (and `response failed mid-stream`
 * for a stream that failed after it started) in one place for every API.
 */
export class ModelPipeline implements CallSettler {
  private readonly router: ModelRouter;
  private readonly logger: Logger;
  private readonly befores: CallHook[];
  private readonly afters: CallHook[];

  constructor({ router, logger, hooks = [] }: ModelPipelineOptions) {
    this.router = router;
    this.logger = logger;
    this.befores = hooks.filter((hook) => hook.before);
    this.afters = hooks.filter((hook) => hook.after);
  }

  /** Resolves the model a client named; an unknown one is a 404 `model_not_found`. */
  route(model: string): Route {
    return this.router.routeFor(model);
  }

  /** A call of `route` with `request` (in the route's provider's model id). */
  open(api: CallApi, scope: RequestScope, route: Route, request: CanonicalRequest, stream: boolean): ModelCall {
    return new ModelCall(this, api, scope, route, request, stream);
  }

  /** A non-streamed call: the provider's whole result. The call has ended when this settles. */
  async generate(call: ModelCall): Promise<ProviderResult> {
    if (this.befores.length > 0) await this.runBefore(call);
    const scope = call.scope;
    call.upstreamStart = performance.now();
    let result: ProviderResult;
    try {
      const answering = call.route.answering;
      if (answering) result = this.answeredBy(call, await answering.generateAnswered(call.request, providerCall(scope), answerOptions(scope)));
      else result = await call.route.provider.generate(call.request, providerCall(scope));
    } catch (error) {
      this.settle(call, scope.aborted ? 'cancelled' : 'failed', error);
      throw error;
    }
    call.usage = result.usage;
    call.answered = true;
    this.settle(call, result.status);
    return result;
  }

  /**
   * A streamed call: resolves once the upstream has accepted it (earlier
   * failures reject, and are answered with a status). The events end with
   * `done` or an in-band `error`, never by erroring; the API's encoder
   * reports usage and the terminal event to `call`, and `respond` sends it.
   */
  async stream(call: ModelCall): Promise<Pull<CanonicalEvent>> {
    if (this.befores.length > 0) await this.runBefore(call);
    const scope = call.scope;
    // A client that leaves mid-stream ends the request before any terminal event: the call ends with it.
    scope.listener = call;
    call.upstreamStart = performance.now();
    let events: Source<CanonicalEvent>;
    try {
      const answering = call.route.answering;
      if (answering) events = this.answeredBy(call, await answering.streamAnswered(call.request, providerCall(scope), answerOptions(scope)));
      else events = await streamEvents(call.route.provider, call.request, providerCall(scope));
    } catch (error) {
      this.settle(call, scope.aborted ? 'cancelled' : 'failed', error);
      throw error;
    }
    call.answered = true;
    return catchPullErrors(events);
  }

  /** The streamed answer: an SSE response whose delivery ends the request (and, if still running, the call). */
  respond(call: ModelCall, body: Pull<string | Uint8Array>): Response {
    const extra = call.responseHeaders;
    if (!extra) return deliveryResponse(body, call.scope, { headers: SSE_HEADERS });
    const headers = new Headers(SSE_HEADERS);
    for (const [name, value] of extra) headers.append(name, value);
    return deliveryResponse(body, call.scope, { headers });
  }

  /** The non-streamed answer, with the call's headers. */
  json(call: ModelCall, value: unknown): Response {
    return jsonResponse(value, 200, call.responseHeaders, call.scope);
  }

  /** Notes what answered a route that may call several upstreams, in the answer's headers. */
  private answeredBy<T>(call: ModelCall, answer: Answered<T>): T {
    call.answeredBy = answer.provider;
    // A provider called directly answers as the `provider/model` the client sent.
    const model = answer.model === UNKNOWN_MODEL ? call.route.name : answer.model;
    const headers = (call.responseHeaders ??= []);
    headers.push(['x-gateway-provider', headerValue(answer.provider)], ['x-gateway-model', headerValue(model)], ['x-gateway-attempts', String(answer.attempts)]);
    return answer.value;
  }

  settle(call: ModelCall, status: CallStatus, failure?: unknown): void {
    if (call.status !== undefined) return;
    call.status = status;
    call.error = failure;
    const scope = call.scope;
    // The upstream is done with its last event; what follows is the gateway's own time.
    if (call.upstreamStart > 0) scope.upstreamMs = performance.now() - call.upstreamStart;
    if (call.answered) this.logEnd(call, status, failure);
    for (const hook of this.afters) this.runAfter(hook, call);
  }

  private async runBefore(call: ModelCall): Promise<void> {
    try {
      for (const hook of this.befores) await hook.before!(call);
    } catch (error) {
      this.settle(call, 'refused', error);
      throw error;
    }
  }

  private runAfter(hook: CallHook, call: ModelCall): void {
    try {
      const done = hook.after!(call);
      if (done) done.catch((error: unknown) => this.afterFailed(call, error));
    } catch (error) {
      this.afterFailed(call, error);
    }
  }

  private afterFailed(call: ModelCall, error: unknown): void {
    this.logger.error('call hook failed', { request_id: call.scope.id, ...traceFields(call.scope), error });
  }

  private logEnd(call: ModelCall, status: CallStatus, failure: unknown): void {
    const { scope, route } = call;
    if (status === 'cancelled') return;
    if (status === 'failed' && call.stream) {
      scope.error = failure;
      this.logger.warn('response failed mid-stream', { request_id: scope.id, ...traceFields(scope), provider: call.answeredBy ?? route.provider.name, model: route.name, error: failure });
    }
    // A literal rather than a spread of traceFields followed by more keys, which is slow on Node 20's V8.
    const ids = scope.span?.spanContext();
    this.logger.info('response generated', {
      request_id: scope.id,
      trace_id: ids?.traceId,
      span_id: ids?.spanId,
      principal: principalRef(scope.principal),
      provider: call.answeredBy ?? route.provider.name,
      model: route.name,
      input_tokens: call.usage?.input_tokens,
      output_tokens: call.usage?.output_tokens,
      status,
      duration_ms: Math.round((performance.now() - scope.startedAt) * 1000) / 1000,
    });
  }
}

/** Printable ASCII, bounded: safe to send back as a header value as it is. */
const PLAIN_HEADER_VALUE = /^[\x21-\x7e]{1,256}$/;

/** A name as a header value: as it is when plain, else bounded with every other character as `?` (a header cannot carry them). */
function headerValue(name: string): string {
  return PLAIN_HEADER_VALUE.test(name) ? name : name.slice(0, 256).replace(/[^\x21-\x7e]/g, '?');
}

function answerOptions(scope: RequestScope): AnswerOptions | undefined {
  return scope.deadline === undefined ? undefined : { deadline: scope.deadline };
}
