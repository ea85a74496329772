import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineConfig } from '../../src/config/parse-config.ts';
import { sha256Hex } from '../../src/config/sha256.ts';
import { accessControl } from '../../src/middleware/access-control.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { RecordingProvider } from '../fakes/recording-provider.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { parseResponseEvents } from '../helpers/sse.ts';

const KEY_A = 'sk-gw-unit-team-a-0123456789abcdefghij';
const KEY_B = 'sk-gw-unit-team-b-0123456789abcdefghij';
const KEY_TOKENS = 'sk-gw-unit-tokens-0123456789abcdefghij';
const KEY_BUDGET = 'sk-gw-unit-budget-0123456789abcdefghij';

const MODELS = {
  providers: { mock: { type: 'mock' } },
  models: [
    { name: 'mock', provider: 'mock', aliases: ['echo'], pricing: { input_per_million: 1_000_000, output_per_million: 1_000_000 } },
    { name: 'other', provider: 'mock' },
  ],
};

const AUTH = {
  ...MODELS,
  auth: {
    enabled: true,
    api_keys: [
      { name: 'team-a', key_sha256: sha256Hex(KEY_A), rate_limit: { burst: 3, requests_per_second: 0.001 } },
      { name: 'team-b', key: KEY_B, models: ['mock'] },
      { name: 'tokens', key: KEY_TOKENS, rate_limit: { tokens_per_minute: 10 } },
      { name: 'budget', key: KEY_BUDGET, budget: { usd_per_day: 5 } },
    ],
  },
  rate_limit: { enabled: true, burst: 100 },
};

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function metricsOf(gw: ReturnType<typeof testGateway>) {
  return parseExposition(await (await gw.request('/metrics')).text());
}

describe('access control wiring', () => {
  test('with auth and rate_limit off nothing is built: no hooks, no parts, no per-caller model list', () => {
    const access = accessControl(defineConfig({}), { logger: createLogger({ level: 'error', format: 'json', sink: () => {} }) });
    assert.deepEqual([access.rateLimit.length, access.auth.length, access.callHooks.length, access.parts.length, access.visibleModels], [0, 0, 0, 0, undefined]);
    const on = accessControl(defineConfig(AUTH), { logger: createLogger({ level: 'error', format: 'json', sink: () => {} }) });
    // With authentication on, the limit check follows it in the auth phase; nothing runs before it.
    assert.deepEqual([on.rateLimit.length, on.auth.length, on.callHooks.length, on.parts.map(([name]) => name)], [0, 2, 2, ['authenticator', 'rate-limiter']]);
  });

  test('API keys: missing or unknown is 401 with WWW-Authenticate and counted by reason; Bearer and x-api-key both work', async () => {
    const gw = testGateway(AUTH);
    const missing = await gw.post('/v1/responses', { model: 'mock', input: 'x' });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="llm-gateway"');
    assert.deepEqual((await missing.json()).error.type, 'authentication_error');
    const unknown = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer('sk-gw-not-a-configured-key-000000'));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.headers.get('www-authenticate'), 'Bearer realm="llm-gateway", error="invalid_token"');
    assert.equal((await unknown.json()).error.code, 'invalid_api_key');
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_A))).status, 200);
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { 'x-api-key': KEY_B })).status, 200);
    const samples = await metricsOf(gw);
    assert.equal(sample(samples, 'auth_failures_total', { reason: 'missing' }), 1);
    assert.equal(sample(samples, 'auth_failures_total', { reason: 'unknown_key' }), 1);
    await gw.gateway.shutdown();
  });

  test("a model outside the key's list is 403 model_not_allowed before any upstream call, also for counting input tokens; /v1/models lists only what the key may use", async () => {
    const upstream = new RecordingProvider(new MockProvider('mock', { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 } as never));
    const gw = testGateway(AUTH, { providers: new Map([['mock', upstream]]) });
    for (const api of ['/v1/responses', '/v1/chat/completions']) {
      const body = api === '/v1/responses' ? { model: 'other', input: 'x', stream: true } : { model: 'other', messages: [{ role: 'user', content: 'x' }] };
      const refused = await gw.post(api, body, bearer(KEY_B));
      assert.equal(refused.status, 403, api);
      const { error } = await refused.json();
      assert.deepEqual([error.type, error.code, error.param], ['permission_error', 'model_not_allowed', 'model']);
    }
    assert.equal((await gw.post('/v1/responses', { model: 'mock/anything', input: 'x' }, bearer(KEY_B))).status, 403, 'provider/model is on no list');
    assert.equal(upstream.requests.length, 0);
    // An alias of a listed model is allowed too.
    assert.equal((await gw.post('/v1/responses', { model: 'echo', input: 'x' }, bearer(KEY_B))).status, 200);
    const listed = async (key: string) => (await (await gw.request('/v1/models', { headers: bearer(key) })).json()).data.map((m: { id: string }) => m.id);
    assert.deepEqual(await listed(KEY_B), ['mock', 'echo']);
    assert.deepEqual(await listed(KEY_A), ['mock', 'echo', 'other']);
    // Counting input tokens and retrieving a model answer for the same models only.
    const before = upstream.requests.length;
    const counted = await gw.post('/v1/responses/input_tokens', { model: 'other', input: 'x' }, bearer(KEY_B));
    assert.equal(counted.status, 403);
    assert.equal((await counted.json()).error.code, 'model_not_allowed');
    assert.equal(upstream.requests.length, before, 'a refused count reaches no provider');
    assert.equal((await gw.post('/v1/responses/input_tokens', { model: 'echo', input: 'x' }, bearer(KEY_B))).status, 200);
    assert.equal((await gw.request('/v1/models/other', { headers: bearer(KEY_B) })).status, 404);
    assert.equal((await gw.request('/v1/models/other', { headers: bearer(KEY_A) })).status, 200);
    await gw.gateway.shutdown();
  });

  test('past the burst: 429 rate_limit_exceeded with Retry-After and x-ratelimit-*; successful JSON and SSE answers carry x-ratelimit-* too; probes and scrapes stay open', async () => {
    const gw = testGateway(AUTH);
    const first = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_A));
    assert.equal(first.status, 200);
    assert.deepEqual(['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests'].map((h) => first.headers.get(h)), ['3', '2']);
    assert.match(first.headers.get('x-ratelimit-reset-requests')!, /^\d+(\.\d+)?s$|^\d+m/);
    const streamed = await gw.post('/v1/responses', { model: 'mock', input: 'x', stream: true }, bearer(KEY_A));
    assert.equal(streamed.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(streamed.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.equal(parseResponseEvents(await streamed.text()).at(-1)!.type, 'response.completed');
    const models = await gw.request('/v1/models', { headers: bearer(KEY_A) });
    assert.equal(models.headers.get('x-ratelimit-remaining-requests'), '0');
    const refused = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_A));
    assert.equal(refused.status, 429);
    const { error } = await refused.json();
    assert.deepEqual([error.type, error.code], ['rate_limit_error', 'rate_limit_exceeded']);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.ok(Number(refused.headers.get('retry-after-ms')) > 0);
    assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
    // Another key has its own bucket.
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_B))).status, 200);
    for (const path of ['/health', '/ready', '/metrics']) assert.equal((await gw.request(path)).status, 200, path);
    const samples = await metricsOf(gw);
    assert.equal(sample(samples, 'rate_limit_decisions_total', { decision: 'refused', limit: 'requests' }), 1);
    assert.equal(sample(samples, 'rate_limit_decisions_total', { decision: 'allowed', limit: 'requests' }), 4);
    await gw.gateway.shutdown();
  });

  test('tokens per minute are charged from streamed usage and refuse the next model call, not reads', async () => {
    const gw = testGateway(AUTH);
    // The mock counts words: "Echo: one two three four" is 5 output tokens, 4 input.
    const stream = await gw.post('/v1/responses', { model: 'mock', input: 'one two three four', stream: true }, bearer(KEY_TOKENS));
    assert.equal(stream.headers.get('x-ratelimit-limit-tokens'), '10');
    const done = parseResponseEvents(await stream.text()).at(-1)!;
    assert.equal(done.response.usage.total_tokens, 9);
    // Charged when the stream ended: 1 token left, still allowed.
    const next = await gw.post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'a b' }], stream: true }, bearer(KEY_TOKENS));
    assert.equal(next.status, 200);
    assert.ok(Number(next.headers.get('x-ratelimit-remaining-tokens')) <= 1);
    await next.text();
    const refused = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_TOKENS));
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, 'tokens_exceeded');
    assert.ok(refused.headers.get('retry-after'));
    // Reading what it stored is not a model call.
    assert.equal((await gw.request(`/v1/responses/${done.response.id}`, { headers: bearer(KEY_TOKENS) })).status, 200);
    await gw.gateway.shutdown();
  });

  test('a daily budget is charged with models[].pricing and refuses with budget_exceeded', async () => {
    const gw = testGateway(AUTH);
    // 1 USD per token: "a b c" costs 3 + 4 = 7 USD, past the 5 USD budget.
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'a b c' }, bearer(KEY_BUDGET))).status, 200);
    const refused = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, bearer(KEY_BUDGET));
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, 'budget_exceeded');
    await gw.gateway.shutdown();
  });

  test('rate_limit_budget_spent_usd: per configured key with a budget, set by each charge, 0 once the UTC day is over', async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 23, 0) };
    const gw = testGateway(AUTH, { now: () => clock.t });
    const before = await metricsOf(gw);
    assert.equal(sample(before, 'rate_limit_budget_limit_usd', { identity: 'budget' }), 5);
    assert.equal(sample(before, 'rate_limit_budget_spent_usd', { identity: 'budget' }), 0);
    // Only keys with a budget have these series: label values are configured key names.
    assert.deepEqual(before.filter((s) => s.name.startsWith('rate_limit_budget_')).map((s) => s.labels.identity), ['budget', 'budget']);
    // 1 USD per token: "a b c" costs 3 + 4 = 7 USD; team-a has no budget, so its calls add no series.
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'a b c' }, bearer(KEY_BUDGET))).status, 200);
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'a b c' }, bearer(KEY_A))).status, 200);
    await new Promise((resolve) => setImmediate(resolve));
    const spent = await metricsOf(gw);
    assert.equal(sample(spent, 'rate_limit_budget_spent_usd', { identity: 'budget' }), 7);
    assert.equal(spent.filter((s) => s.name === 'rate_limit_budget_spent_usd').length, 1);
    clock.t += 3_600_000;
    assert.equal(sample(await metricsOf(gw), 'rate_limit_budget_spent_usd', { identity: 'budget' }), 0, 'a new UTC day, nothing charged yet');
    await gw.gateway.shutdown();
  });

  test("a stored response belongs to its principal: another key gets 404 on GET, DELETE and input_items, and previous_response_not_found", async () => {
    const gw = testGateway(AUTH);
    const OWNER = KEY_B;
    const own = await (await gw.post('/v1/responses', { model: 'mock', input: 'mine' }, bearer(OWNER))).json();
    const other = bearer(KEY_TOKENS);
    for (const [path, method] of [[`/v1/responses/${own.id}`, 'GET'], [`/v1/responses/${own.id}`, 'DELETE'], [`/v1/responses/${own.id}/input_items`, 'GET']] as const) {
      const res = await gw.request(path, { method, headers: other });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal((await res.json()).error.code, 'response_not_found');
    }
    const chained = await gw.post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: own.id }, other);
    assert.equal(chained.status, 400);
    assert.equal((await chained.json()).error.code, 'previous_response_not_found');
    // Still there for its owner.
    assert.equal((await gw.request(`/v1/responses/${own.id}`, { headers: bearer(OWNER) })).status, 200);
    assert.equal((await gw.post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: own.id }, bearer(OWNER))).status, 200);
    assert.equal((await gw.request(`/v1/responses/${own.id}`, { method: 'DELETE', headers: bearer(OWNER) })).status, 200);
    await gw.gateway.shutdown();
  });

  test('the principal is on the access log and response generated lines and enduser.id on the server span; the key is in no log, span or metric', async () => {
    const lines: string[] = [];
    const gw = testGateway(
      { ...AUTH, observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { type: 'stdout' } } } },
      { env: { OTEL_BSP_SCHEDULE_DELAY: '10' }, stdout: (line) => lines.push(line) },
    );
    const res = await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { ...bearer(KEY_A), 'x-request-id': 'unit-principal' });
    assert.equal(res.status, 200);
    await gw.post('/v1/responses', { model: 'mock', input: 'x' }, { 'x-api-key': KEY_B.slice(0, -1) });
    const scrape = await (await gw.request('/metrics')).text();
    await gw.gateway.shutdown();
    const mine = gw.logs.filter((l) => l.request_id === 'unit-principal');
    assert.deepEqual(mine.map((l) => [l.msg, l.principal]), [['response generated', 'api_key:team-a'], ['request completed', 'api_key:team-a']]);
    const spans = lines.map((l) => JSON.parse(l));
    const server = spans.find((s) => s.kind === 'SERVER' && s.attributes['http.request_id'] === 'unit-principal');
    assert.equal(server.attributes['enduser.id'], 'team-a');
    const everything = [JSON.stringify(gw.logs), lines.join('\n'), scrape].join('\n');
    for (const secret of [KEY_A, KEY_B.slice(0, -1), sha256Hex(KEY_A), KEY_A.slice(6, 30)]) assert.ok(!everything.includes(secret), 'a key or its hash leaked');
  });

  test('anonymous callers are limited by address; X-Forwarded-For is believed only from trusted proxies', async () => {
    const gw = testGateway({ ...MODELS, rate_limit: { enabled: true, burst: 1, requests_per_second: 0.001, trusted_proxies: ['10.0.0.0/8'] } });
    const call = (peer: string, forwardedFor?: string) =>
      gw.gateway.fetch(
        new Request('http://gateway.test/v1/models', { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }),
        { address: peer },
      );
    assert.equal((await call('192.0.2.1', '198.51.100.1')).status, 200);
    // An untrusted peer's X-Forwarded-For is ignored: a different claimed client is the same caller.
    assert.equal((await call('192.0.2.1', '198.51.100.2')).status, 429);
    // Behind a trusted proxy, each forwarded client has its own bucket; what the client itself wrote to the left is not believed.
    assert.equal((await call('10.0.0.5', '198.51.100.3')).status, 200);
    assert.equal((await call('10.0.0.5', '198.51.100.4')).status, 200);
    assert.equal((await call('10.0.0.6', '203.0.113.9, 198.51.100.4')).status, 429);
    await gw.gateway.shutdown();
  });
});
