import { GatewayError, GatewayTimeoutError, InternalServerError } from '../../errors/gateway-error.ts';
import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import { SseBufferOverflowError } from '../../streaming/sse-decoder.ts';

/** Why a stream that began with 200 ended failed: the `reason` label of `gateway_stream_failures_total`. */
export const STREAM_FAILURE_REASONS = ['upstream_error', 'timeout', 'idle_timeout', 'max_duration', 'too_large', 'shutdown', 'internal'] as const;
export type StreamFailureReason = (typeof STREAM_FAILURE_REASONS)[number];

/** The routes that stream, whose failure series exist from start-up. */
export const STREAMING_PATHS = ['/v1/responses', '/v1/chat/completions'] as const;

/**
 * The bounded reason for a stream's failure, from the error it failed with:
 * the time limit that fired, an upstream event too large to buffer, the
 * gateway shutting down, any other upstream failure, or the gateway's own.
 */
export function streamFailureReason(error: unknown): StreamFailureReason {
  if (error instanceof UpstreamFailure) {
    if (error.kind === 'timeout') return error.limit ?? 'timeout';
    if (error.kind === 'too_large') return 'too_large';
  }
  if (error instanceof GatewayTimeoutError) return error.limit ?? 'timeout';
  if (error instanceof SseBufferOverflowError || (error instanceof Error && error.cause instanceof SseBufferOverflowError)) return 'too_large';
  if (error instanceof GatewayError) {
    if (error.code === 'shutting_down') return 'shutdown';
    if (error.code?.includes('too_large')) return 'too_large';
    if (!(error instanceof InternalServerError)) return 'upstream_error';
  }
  return 'internal';
}
