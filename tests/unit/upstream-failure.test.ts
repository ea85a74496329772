import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { excerpt, redact, secretList } from '../../src/errors/redact.ts';
import { retryAfterMs, UpstreamFailure } from '../../src/errors/upstream-failure.ts';
import { upstreamError, upstreamEventError } from '../../src/providers/http/upstream-error.ts';
import { ReportingExporter } from '../../src/observability/tracing/reporting-exporter.ts';
import { createLogger } from '../../src/observability/logger.ts';

const KEY = 'sk-test-secret-key-0001';
const SECRETS = secretList([KEY]);

/** What a client gets for a failure: status, OpenAI error type and code, the retry headers. */
async function rendered(failure: UpstreamFailure) {
  const res = failure.toResponse();
  const body = await res.json();
  return { status: res.status, type: body.error.type, code: body.error.code, shouldRetry: res.headers.get('x-should-retry'), retryAfter: res.headers.get('retry-after'), retryAfterMs: res.headers.get('retry-after-ms'), body };
}

const headers = (init: Record<string, string> = {}) => new Headers(init);

describe('UpstreamFailure: every kind → status, code, x-should-retry, Retry-After', () => {
  const cases: Array<[string, () => UpstreamFailure, { status: number; type: string; code: string | null; shouldRetry: string | null; retryAfter?: string | null; retryable: boolean }]> = [
    ['http 400', () => UpstreamFailure.http('p', 400, { message: 'bad', code: 'invalid_value', param: 'temperature' }, headers(), SECRETS), { status: 400, type: 'invalid_request_error', code: 'invalid_value', shouldRetry: 'false', retryable: false }],
    ['http 404', () => UpstreamFailure.http('p', 404, { message: 'no model' }, headers(), SECRETS), { status: 404, type: 'invalid_request_error', code: null, shouldRetry: 'false', retryable: false }],
    ['http 413', () => UpstreamFailure.http('p', 413, { message: 'big' }, headers(), SECRETS), { status: 413, type: 'invalid_request_error', code: null, shouldRetry: 'false', retryable: false }],
    ['http 422 → 400', () => UpstreamFailure.http('p', 422, { message: 'x' }, headers(), SECRETS), { status: 400, type: 'invalid_request_error', code: null, shouldRetry: 'false', retryable: false }],
    ['http 401', () => UpstreamFailure.http('p', 401, { message: 'x' }, headers(), SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: false }],
    ['http 403', () => UpstreamFailure.http('p', 403, { message: 'x' }, headers(), SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: false }],
    ['http 402 (other 4xx)', () => UpstreamFailure.http('p', 402, { message: 'x' }, headers(), SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: false }],
    ['http 409', () => UpstreamFailure.http('p', 409, { message: 'x' }, headers(), SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: true }],
    ['http 408', () => UpstreamFailure.http('p', 408, { message: 'x' }, headers(), SECRETS), { status: 504, type: 'server_error', code: 'upstream_timeout', shouldRetry: null, retryable: true }],
    ['http 504', () => UpstreamFailure.http('p', 504, { message: 'x' }, headers(), SECRETS), { status: 504, type: 'server_error', code: 'upstream_timeout', shouldRetry: null, retryable: true }],
    ['http 429 with Retry-After', () => UpstreamFailure.http('p', 429, { message: 'x' }, headers({ 'retry-after': '7' }), SECRETS), { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', shouldRetry: null, retryAfter: '7', retryable: true }],
    ['http 429 without', () => UpstreamFailure.http('p', 429, { message: 'x' }, headers(), SECRETS), { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', shouldRetry: null, retryAfter: null, retryable: true }],
    ['http 503', () => UpstreamFailure.http('p', 503, { message: 'x' }, headers({ 'retry-after-ms': '1500' }), SECRETS), { status: 503, type: 'server_error', code: 'upstream_overloaded', shouldRetry: null, retryAfter: '2', retryable: true }],
    ['http 529', () => UpstreamFailure.http('p', 529, { message: 'x' }, headers(), SECRETS), { status: 503, type: 'server_error', code: 'upstream_overloaded', shouldRetry: null, retryable: true }],
    ['http 500', () => UpstreamFailure.http('p', 500, { message: 'x' }, headers(), SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: null, retryable: true }],
    ['reported overloaded', () => UpstreamFailure.reported('p', 529, { message: 'x' }, SECRETS), { status: 503, type: 'server_error', code: 'upstream_overloaded', shouldRetry: null, retryable: true }],
    ['reported without a status', () => UpstreamFailure.reported('p', undefined, { message: 'x' }, SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: null, retryable: false }],
    ['connect', () => UpstreamFailure.connect('p', 'fetch failed (ECONNREFUSED)', SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: null, retryable: true }],
    ['timeout before any event', () => UpstreamFailure.timeout('p', 'late', false), { status: 504, type: 'server_error', code: 'upstream_timeout', shouldRetry: null, retryable: true }],
    ['timeout mid-stream', () => UpstreamFailure.timeout('p', 'stalled', true), { status: 504, type: 'server_error', code: 'upstream_timeout', shouldRetry: null, retryable: false }],
    ['unreadable', () => UpstreamFailure.unreadable('p', 'an answer', 'it is not JSON', SECRETS), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: null, retryable: false }],
    ['truncated', () => UpstreamFailure.truncated('p'), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: null, retryable: false }],
    ['redirected', () => UpstreamFailure.redirected('p', 307), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: false }],
    ['too_large', () => UpstreamFailure.tooLarge('p', 'an answer', 'max_response_bytes', 1024), { status: 502, type: 'server_error', code: 'upstream_error', shouldRetry: 'false', retryable: false }],
  ];
  for (const [name, make, expected] of cases) {
    test(name, async () => {
      const failure = make();
      assert.equal(failure.provider, 'p');
      assert.equal(failure.retryable, expected.retryable);
      const got = await rendered(failure);
      assert.deepEqual(Object.keys(got.body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.deepEqual([got.status, got.type, got.code, got.shouldRetry], [expected.status, expected.type, expected.code, expected.shouldRetry]);
      if (expected.retryAfter !== undefined) assert.equal(got.retryAfter, expected.retryAfter);
      assert.match(got.body.error.message, /'p'|late|stalled/);
    });
  }

  test('the fields a retry wrapper reads: kind, upstream status, delay, upstream request id', () => {
    const failure = upstreamError('p', 429, '{"error":{"message":"slow down"}}', headers({ 'retry-after': '3', 'x-request-id': 'req_123' }), SECRETS);
    assert.ok(failure instanceof UpstreamFailure);
    assert.deepEqual([failure.kind, failure.upstreamStatus, failure.retryAfterMs, failure.upstreamRequestId], ['http', 429, 3000, 'req_123']);
    assert.equal(upstreamError('p', 500, '', headers({ 'request-id': 'req_ant' }), SECRETS).upstreamRequestId, 'req_ant');
    const event = upstreamEventError('p', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, SECRETS);
    assert.deepEqual([event.kind, event.upstreamStatus, event.status], ['reported', 529, 503]);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test('retry-after-ms first, then seconds, then an HTTP date; garbage is ignored', () => {
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(retryAfterMs(headers({ 'retry-after': '9' }), now), 9000);
    assert.equal(retryAfterMs(headers({ 'retry-after': '1.5' }), now), 1500);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now), 30_000);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), now), 0);
    assert.equal(retryAfterMs(headers({ 'retry-after': KEY }), now), undefined);
    assert.equal(retryAfterMs(headers({ 'retry-after': '-5' }), now), undefined);
    assert.equal(retryAfterMs(headers(), now), undefined);
    assert.equal(retryAfterMs(headers({ 'retry-after': '99999999' }), now), 86_400_000, 'capped at a day');
  });

  test('an upstream header value is never passed on as it is: a key in Retry-After does not reach the client', async () => {
    const res = UpstreamFailure.http('p', 429, { message: 'x' }, headers({ 'retry-after': KEY, 'x-request-id': KEY }), SECRETS).toResponse();
    for (const [, value] of res.headers) assert.ok(!value.includes(KEY));
    assert.ok(!(await res.text()).includes(KEY));
  });
});

describe('redaction before truncation', () => {
  test('the key is redacted from message, code and param', async () => {
    const failure = UpstreamFailure.http('p', 400, { message: `bad key ${KEY}`, code: `code-${KEY}`, param: `param-${KEY}` }, headers({ 'x-request-id': `id-${KEY}` }), SECRETS);
    const text = JSON.stringify((await rendered(failure)).body) + failure.upstreamRequestId + failure.stack;
    assert.ok(!text.includes(KEY), text);
    assert.equal(failure.code, 'code-[redacted]');
    assert.equal(failure.param, 'param-[redacted]');
  });

  test('a key straddling the cut is redacted whole; a key prefix left at the cut is dropped', () => {
    const long = `${'a'.repeat(995)}${KEY} tail`;
    const cut = excerpt(long, 1_000, SECRETS);
    assert.ok(!cut.includes('sk-t'), cut.slice(-20));
    assert.equal(cut, `${'a'.repeat(995)}[reda…`);
    // A text that is cut exactly inside a key that was not whole in it (the upstream sent a prefix only).
    const prefix = `${'b'.repeat(996)}${KEY.slice(0, 10)}`;
    const cut2 = excerpt(prefix, 1_000, SECRETS);
    assert.ok(!cut2.includes('sk-'), cut2.slice(-10));
    assert.equal(excerpt('short', 1_000, SECRETS), 'short');
  });

  test('every configured secret is redacted, the longer first; short values are not searched for', () => {
    const secrets = secretList(['abc', 'header-token-value', 'header-token-value-longer']);
    assert.deepEqual(secrets, ['header-token-value-longer', 'header-token-value']);
    assert.equal(redact('x header-token-value-longer y header-token-value abc', secrets), 'x [redacted] y [redacted] abc');
  });

  test('a JSON parser error quoting the body is not kept as a cause', () => {
    let parseError: unknown;
    try {
      JSON.parse(`{"x": ${KEY}}`);
    } catch (error) {
      parseError = error;
    }
    const failure = UpstreamFailure.unreadable('p', 'an answer', 'not valid JSON', SECRETS, parseError);
    assert.equal(failure.cause, undefined);
    const connect = UpstreamFailure.connect('p', `reset by ${KEY}`, SECRETS, new Error(`socket ${KEY}`));
    assert.ok(!connect.message.includes(KEY));
    assert.ok(!(connect.cause as Error).message.includes(KEY));
  });
});

describe('exporter headers', () => {
  test('a collector error that echoes an exporter header value is logged redacted', () => {
    const token = 'Bearer otlp-token-value-777';
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', sink: (line) => lines.push(line) });
    const failing = { export: (_spans: unknown, done: (r: { code: number; error?: Error }) => void) => done({ code: 1, error: new Error(`401 from collector: bad credentials ${token}`) }), shutdown: () => Promise.resolve() };
    const exporter = new ReportingExporter(failing as never, { logger, endpoint: 'http://collector/v1/traces', intervalMs: 0, secrets: secretList([token]) });
    exporter.export([], () => {});
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('otlp-token-value'), lines[0]);
    assert.match(lines[0]!, /\[redacted\]/);
  });
});
