import { pullOf, streamOf, type Pull } from '../streaming/pull.ts';
import { abortSourceOf, streamEvents } from '../providers/provider.ts';
import { CircuitOpenError } from '../errors/circuit-open-error.ts';
import { abortableSleep } from '../providers/abortable-sleep.ts';
import type { AnsweringProvider } from '../providers/answering-provider.ts';
import type { CanonicalEvent, CanonicalRequest, InputTokenCount, Provider, ProviderCall, ProviderResult } from '../providers/provider.ts';
import { CLOSED_PERMIT, REFUSED, type CircuitBreaker } from './circuit-breaker.ts';
import { breakerOutcome, isRetryable } from './failure-facts.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { watchStreamOutcome } from './watch-stream-outcome.ts';
import { weightedOrder } from './weighted-picker.ts';

/** One place a model's calls may go. */
export interface ResilientTarget {
  /** The provider as this model uses it (instrumented per provider and model, so each attempt is its own span and count). */
  readonly provider: Provider;
  /** What the upstream calls the model; empty: the request's own (a provider called directly as `provider/model`). */
  readonly providerModelId: string;
  readonly weight: number;
  /** The provider's breaker, shared by every target and model on that provider. */
  readonly breaker?: CircuitBreaker;
  /** The provider's retry policy; none: one attempt per target. */
  readonly retry?: RetryPolicy;
}

/** A configured model as resilience sees it: its name and its targets. */
export interface ResilientModel {
  readonly name: string;
  readonly targets: readonly ResilientTarget[];
}

export type AttemptOutcome = 'success' | 'failure' | 'cancelled';

/** One call made to a provider on behalf of a request. */
export interface AttemptReport {
  /** 1 for the request's first call, counting every retry and fallback. */
  readonly attempt: number;
  readonly provider: string;
  /** The configured model this call served (the requested one or a fallback). */
  readonly model: string;
  readonly providerModelId: string;
  readonly outcome: AttemptOutcome;
  readonly error?: unknown;
  /** After a failure: the wait before the same target is called again, when it is. */
  readonly retryInMs?: number;
}

/** What the resilient call tells whoever counts (metrics, logs); never changes its course. */
export interface ResilienceObserver {
  onAttempt?(report: AttemptReport): void;
  /** The request's first call to fallback model `to`, after `from` failed (both configured names). */
  onFallback?(requested: string, from: string, to: string): void;
}

/** What answered: for the `x-gateway-provider`, `x-gateway-model` and `x-gateway-attempts` headers. */
export interface Answered<T> {
  readonly value: T;
  readonly provider: string;
  readonly model: string;
  readonly attempts: number;
}

export interface ResilientCallOptions {
  /** Monotonic milliseconds after which no retry wait may end (the client's own time limit). */
  deadline?: number;
}

export interface ResilientProviderOptions {
  readonly primary: ResilientModel;
  /** Tried in this order after the primary failed with a retryable failure. */
  readonly fallbacks?: readonly ResilientModel[];
  readonly observer?: ResilienceObserver;
  /** Monotonic milliseconds (the breakers' clock). */
  readonly now?: () => number;
  readonly random?: () => number;
  /** Must reject at once, with the signal's reason, when `signal` aborts (and clear its timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type Invoke<T> = (provider: Provider, request: CanonicalRequest, call: ProviderCall) => Promise<T>;

const invokeGenerate: Invoke<ProviderResult> = (provider, request, call) => provider.generate(request, call);
const invokeStream: Invoke<Pull<CanonicalEvent>> = (provider, request, call) => streamEvents(provider, request, call).then(pullOf);

/**
 * A model's calls with circuit breakers, retries, weighted targets and
 * fallbacks. Candidates are the primary model's targets in weighted order
 * (open breakers left out), then each fallback model's likewise. Each target
 * is called up to its provider's `max_attempts` while its failures are
 * retryable, waiting as the retry policy says; a failure that is not
 * retryable (the request's own fault) ends everything at once. A stream is
 * retried only while `stream()` rejects, which is before its first byte: once
 * it resolves, the stream is the answer, and a failure inside it reaches the
 * client as the stream's terminal error. A client that goes away (`signal`)
 * stops everything, a backoff wait included. With no call made because every
 * breaker is open, the answer is 503 `circuit_open` with `Retry-After`.
 */
export class ResilientProvider implements AnsweringProvider {
  readonly type = 'resilient';
  private readonly models: readonly ResilientModel[];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Counted by the primary model's first target, once: the count is what that
   * model would bill, and cheap to ask again. Absent when it cannot count
   * (the gateway then estimates).
   */
  readonly countInputTokens?: (request: CanonicalRequest, call: ProviderCall) => Promise<InputTokenCount>;

  constructor(private readonly options: ResilientProviderOptions) {
    this.models = [options.primary, ...(options.fallbacks ?? [])];
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    const first = options.primary.targets[0];
    if (first?.provider.countInputTokens) {
      const { provider, providerModelId } = first;
      this.countInputTokens = (request, call) => provider.countInputTokens!(providerModelId === '' || request.model === providerModelId ? request : withModel(request, providerModelId), call);
    }
  }

  /** The primary model's first target's provider: what `GET /v1/models` shows as the owner. */
  get name(): string {
    return this.options.primary.targets[0]!.provider.name;
  }

  async generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    return (await this.generateAnswered(request, call)).value;
  }

  async stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    return streamOf((await this.streamAnswered(request, call)).value);
  }

  async streamPull(request: CanonicalRequest, call: ProviderCall): Promise<Pull<CanonicalEvent>> {
    return (await this.streamAnswered(request, call)).value;
  }

  generateAnswered(request: CanonicalRequest, call: ProviderCall, options?: ResilientCallOptions): Promise<Answered<ProviderResult>> {
    return this.run(invokeGenerate, false, request, call, options?.deadline);
  }

  streamAnswered(request: CanonicalRequest, call: ProviderCall, options?: ResilientCallOptions): Promise<Answered<Pull<CanonicalEvent>>> {
    return this.run(invokeStream, true, request, call, options?.deadline);
  }

  private async run<T>(invoke: Invoke<T>, streaming: boolean, request: CanonicalRequest, call: ProviderCall, deadline: number | undefined): Promise<Answered<T>> {
    // Asked only whether it aborted: the call's cancellation, so that no AbortSignal is made for it.
    const signal = abortSourceOf(call);
    const observer = this.options.observer;
    const requested = this.options.primary.name;
    let attempts = 0;
    let lastError: unknown;
    let failed = false;
    let lastModel: string | undefined;
    let soonestProbe = Infinity;

    for (const model of this.models) {
      const order = model.targets.length === 1 ? model.targets : weightedOrder(model.targets, available, this.random);
      if (order.length === 0) soonestProbe = Math.min(soonestProbe, ...model.targets.map((t) => t.breaker?.retryAfterMs() ?? 0));
      for (const target of order) {
        for (let n = 1; ; n++) {
          if (signal.aborted) throw signal.reason;
          // Past the client's time limit only the failure is left to report.
          if (failed && deadline !== undefined && this.now() >= deadline) throw lastError;
          const breaker = target.breaker;
          const permit = breaker ? breaker.acquire() : CLOSED_PERMIT;
          if (permit === REFUSED) {
            soonestProbe = Math.min(soonestProbe, breaker!.retryAfterMs());
            break;
          }
          if (lastModel !== undefined && lastModel !== model.name) observer?.onFallback?.(requested, lastModel, model.name);
          lastModel = model.name;
          attempts++;
          const provider = target.provider;
          let value: T;
          try {
            value = await invoke(provider, request.model === target.providerModelId || target.providerModelId === '' ? request : withModel(request, target.providerModelId), call);
          } catch (error) {
            breaker?.settle(permit, breakerOutcome(error, signal));
            if (signal.aborted) {
              observer?.onAttempt?.({ attempt: attempts, provider: provider.name, model: model.name, providerModelId: target.providerModelId, outcome: 'cancelled', error });
              throw error;
            }
            failed = true;
            lastError = error;
            const wait = target.retry?.delayAfter(n, error, this.now(), deadline);
            observer?.onAttempt?.({ attempt: attempts, provider: provider.name, model: model.name, providerModelId: target.providerModelId, outcome: 'failure', error, retryInMs: wait });
            if (!isRetryable(error)) throw error;
            if (wait === undefined) break;
            await this.sleep(wait, call.signal);
            continue;
          }
          if (breaker) {
            if (streaming) value = watchStreamOutcome(value as Pull<CanonicalEvent>, call.signal, (outcome) => breaker.settle(permit, outcome)) as T;
            else breaker.settle(permit, 'success');
          }
          observer?.onAttempt?.({ attempt: attempts, provider: provider.name, model: model.name, providerModelId: target.providerModelId, outcome: 'success' });
          return { value, provider: provider.name, model: model.name, attempts };
        }
      }
    }
    if (failed) throw lastError;
    throw new CircuitOpenError(requested, soonestProbe === Infinity ? 0 : soonestProbe);
  }
}

function available(target: ResilientTarget): boolean {
  return target.breaker ? target.breaker.available() : true;
}

/** The request as one target must receive it: the same, with that target's upstream model id. */
function withModel(request: CanonicalRequest, model: string): CanonicalRequest {
  const copy = Object.assign({}, request);
  copy.model = model;
  return copy;
}
