import type { Pull } from '../streaming/pull.ts';
import type { CanonicalEvent, CanonicalRequest, Provider, ProviderCall, ProviderResult } from './provider.ts';

/** An answer and what gave it: for the `x-gateway-provider`, `x-gateway-model` and `x-gateway-attempts` headers. */
export interface Answered<T> {
  readonly value: T;
  /** The provider that answered. */
  readonly provider: string;
  /** The configured model that answered (the requested one or a fallback). */
  readonly model: string;
  /** Upstream calls the request made, retries and fallbacks included. */
  readonly attempts: number;
}

export interface AnswerOptions {
  /** Monotonic milliseconds (`performance.now()`) after which no retry wait may end: the client's own time limit. */
  deadline?: number;
}

/**
 * A provider that may make several upstream calls for one request (retries,
 * weighted targets, fallbacks) and says which one answered.
 */
export interface AnsweringProvider extends Provider {
  generateAnswered(request: CanonicalRequest, call: ProviderCall, options?: AnswerOptions): Promise<Answered<ProviderResult>>;
  streamAnswered(request: CanonicalRequest, call: ProviderCall, options?: AnswerOptions): Promise<Answered<Pull<CanonicalEvent>>>;
}
