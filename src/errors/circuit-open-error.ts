import { GatewayError } from './gateway-error.ts';

/**
 * 503: every provider that could serve the model has an open circuit breaker.
 * `Retry-After` says when the first of them lets a probe through (whole
 * seconds, at least 1).
 */
export class CircuitOpenError extends GatewayError {
  readonly retryAfterMs: number;

  constructor(model: string, retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(503, 'server_error', `No provider of model '${model}' is taking requests now (circuit breaker open); retry after ${seconds} s.`, {
      code: 'circuit_open',
      headers: { 'retry-after': String(seconds) },
    });
    this.retryAfterMs = retryAfterMs;
  }
}
