import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { authFailure } from '../../src/auth/auth-failure.ts';
import { authFailureError, limitRefusalError, ModelNotAllowedError } from '../../src/errors/access-errors.ts';
import type { GatewayError } from '../../src/errors/gateway-error.ts';
import { accessSeries, recordDecision } from '../../src/observability/access-series.ts';
import { GatewayMetrics } from '../../src/observability/metrics/gateway-metrics.ts';
import type { RateDecision } from '../../src/rate-limit/rate-limiter.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';

/** The official SDK, whose every request is answered with `error` (no network). */
function clientAnswering(error: GatewayError): OpenAI {
  return new OpenAI({ baseURL: 'http://gateway.test/v1', apiKey: 'k', maxRetries: 0, fetch: async () => error.toResponse() });
}

async function sdkError(error: GatewayError): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await clientAnswering(error).models.list();
  } catch (thrown) {
    assert.ok(thrown instanceof OpenAI.APIError, String(thrown));
    return thrown;
  }
  assert.fail('no error');
}

const refusal = (refused: RateDecision['refused'], retryAfterMs: number): RateDecision => ({
  allowed: false,
  refused,
  retryAfterMs,
  requests: { limit: 20, remaining: 0, resetSeconds: 2.5 },
  tokens: { limit: 1000, remaining: 0, resetSeconds: 61 },
  backendError: false,
});

describe('access errors, as the official SDK sees them', () => {
  test('401 invalid_api_key with WWW-Authenticate: AuthenticationError', async () => {
    const missing = authFailureError(authFailure('missing', "You didn't provide an API key."));
    const error = await sdkError(missing);
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.status, 401);
    assert.deepEqual(error.error, { message: "You didn't provide an API key.", type: 'authentication_error', param: null, code: 'invalid_api_key' });
    assert.equal(error.headers?.get('www-authenticate'), 'Bearer realm="llm-gateway"');
    const invalid = await sdkError(authFailureError(authFailure('expired', 'Invalid token: it has expired.')));
    assert.equal(invalid.headers?.get('www-authenticate'), 'Bearer realm="llm-gateway", error="invalid_token"');
    assert.equal(invalid.headers?.get('x-should-retry'), 'false');
  });

  test('an unreachable identity provider is a 503, not the caller’s fault', async () => {
    const error = await sdkError(authFailureError(authFailure('unavailable', 'The identity provider could not be reached.')));
    assert.ok(error instanceof OpenAI.InternalServerError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'auth_unavailable');
  });

  test('403 model_not_allowed: PermissionDeniedError', async () => {
    const error = await sdkError(new ModelNotAllowedError('gpt-4o'));
    assert.ok(error instanceof OpenAI.PermissionDeniedError);
    assert.deepEqual(error.error, { message: "This API key is not allowed to use the model 'gpt-4o'.", type: 'permission_error', param: 'model', code: 'model_not_allowed' });
  });

  test('429 per limit: RateLimitError with Retry-After and the x-ratelimit headers', async () => {
    for (const [kind, code] of [['requests', 'rate_limit_exceeded'], ['tokens', 'tokens_exceeded'], ['budget', 'budget_exceeded']] as const) {
      const error = await sdkError(limitRefusalError(refusal(kind, 1500)));
      assert.ok(error instanceof OpenAI.RateLimitError, kind);
      assert.equal(error.code, code);
      assert.equal(error.type, 'rate_limit_error');
      assert.equal(error.headers?.get('retry-after'), '2');
      assert.equal(error.headers?.get('retry-after-ms'), '1500');
      assert.equal(error.headers?.get('x-ratelimit-limit-requests'), '20');
      assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
      assert.equal(error.headers?.get('x-ratelimit-reset-requests'), '2.5s');
      assert.equal(error.headers?.get('x-ratelimit-reset-tokens'), '1m1s');
      assert.match(error.message, /try again in 2s/);
    }
  });

  test('a limiter that is unavailable and fails closed: 503 with Retry-After', async () => {
    const decision: RateDecision = { allowed: false, refused: 'unavailable', retryAfterMs: 1000, requests: undefined, tokens: undefined, backendError: true };
    const error = await sdkError(limitRefusalError(decision));
    assert.equal(error.status, 503);
    assert.equal(error.code, 'rate_limit_unavailable');
    assert.equal(error.headers?.get('retry-after'), '1');
  });
});

describe('access metrics', () => {
  test('auth failures by reason; decisions counted per limit the identity has', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const series = accessSeries(metrics);
    series.authFailures.unknown_key.inc();
    const all = { requestsPerSecond: 1, burst: 1, tokensPerMinute: 100, usdPerDay: 1 };
    const ok: RateDecision = { allowed: true, refused: undefined, retryAfterMs: undefined, requests: undefined, tokens: undefined, backendError: false };
    recordDecision(series, ok, all);
    recordDecision(series, ok, { ...all, tokensPerMinute: 0, usdPerDay: 0 });
    recordDecision(series, refusal('tokens', 10), all);
    recordDecision(series, { ...ok, backendError: true }, { ...all, usdPerDay: 0 });
    const samples = parseExposition((await metrics.render()).body);
    assert.equal(sample(samples, 'auth_failures_total', { reason: 'unknown_key' }), 1);
    assert.equal(sample(samples, 'auth_failures_total', { reason: 'expired' }), 0, 'every reason exists from the start');
    const d = (decision: string, limit: string) => sample(samples, 'rate_limit_decisions_total', { decision, limit });
    assert.deepEqual(
      { ar: d('allowed', 'requests'), at: d('allowed', 'tokens'), ab: d('allowed', 'budget'), rt: d('refused', 'tokens'), rr: d('refused', 'requests'), er: d('error', 'requests'), et: d('error', 'tokens'), eb: d('error', 'budget') },
      { ar: 2, at: 1, ab: 2, rt: 1, rr: 0, er: 1, et: 1, eb: 0 },
    );
  });
});
