/**
 * A failure with the fields of the gateway's typed upstream failures that
 * resilience reads (retryable, retry-after, upstream status), for tests of the
 * resilience parts on their own.
 */
export class FakeUpstreamFailure extends Error {
  constructor(
    readonly upstreamStatus: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`upstream failed${upstreamStatus === undefined ? '' : ` (HTTP ${upstreamStatus})`}`);
    this.name = 'FakeUpstreamFailure';
  }
}

export const serverError = () => new FakeUpstreamFailure(500, true);
export const rateLimited = (retryAfterMs?: number) => new FakeUpstreamFailure(429, true, retryAfterMs);
export const badRequest = () => new FakeUpstreamFailure(400, false);
export const connectionReset = () => new FakeUpstreamFailure(undefined, true);
