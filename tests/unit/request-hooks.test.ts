import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { AuthenticationError } from '../../src/errors/gateway-error.ts';
import type { AppEnv } from '../../src/middleware/app-env.ts';
import type { RequestHook } from '../../src/middleware/request-hook.ts';
import { RecordingCallHook } from '../fakes/recording-call-hook.ts';
import { EventScriptProvider as ScriptedProvider, TEXT_EVENTS } from '../fakes/event-script-provider.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';

const CONFIG = { providers: { s: { type: 'mock' } }, models: [{ name: 'm', provider: 's' }] };
const provider = () => new ScriptedProvider('s', { events: [...TEXT_EVENTS, { type: 'done', status: 'completed' }], then: 'end' });

const refuseWith = (response: () => Response): RequestHook => async () => response();

describe('request hooks', () => {
  test('a hook that returns a response refuses the request: that response is the answer and the route never runs', async () => {
    const upstream = provider();
    const { post, logs } = testGateway(CONFIG, {
      providers: new Map([['s', upstream]]),
      requestHooks: { rateLimit: [refuseWith(() => new Response('{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}', { status: 429, headers: { 'retry-after': '3' } }))] },
    });
    const res = await post('/v1/responses', { model: 'm', input: 'x' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal((await res.json()).error.message, 'slow down');
    assert.equal(upstream.calls, 0);
    const line = logs.find((l) => l.msg === 'request completed')!;
    assert.equal(line.status, 429);
    assert.equal(line.route, '/v1/responses');
  });

  test('rate limiting runs before authentication, and both before the route; a hook that passes lets the request on', async () => {
    const order: string[] = [];
    const record = (name: string): RequestHook => async (scope) => void order.push(`${name} ${scope.path}`);
    const { post } = testGateway(CONFIG, {
      providers: new Map([['s', provider()]]),
      // Given auth first on purpose: the phase decides, not the order of the keys.
      requestHooks: { auth: [record('auth 1'), record('auth 2')], rateLimit: [record('limit')] },
    });
    assert.equal((await post('/v1/responses', { model: 'm', input: 'x' })).status, 200);
    assert.deepEqual(order, ['limit /v1/responses', 'auth 1 /v1/responses', 'auth 2 /v1/responses']);
  });

  test('probes and the metrics scrape are outside /v1: no hook runs for them, even one that refuses everything', async () => {
    const seen: string[] = [];
    const { request } = testGateway(CONFIG, {
      providers: new Map([['s', provider()]]),
      requestHooks: { auth: [async (scope) => {
        seen.push(scope.path);
        throw new AuthenticationError();
      }] },
    });
    for (const path of ['/health', '/ready', '/metrics']) assert.equal((await request(path)).status, 200, path);
    assert.deepEqual(seen, []);
    assert.equal((await request('/v1/models')).status, 401);
    // Unknown paths under /v1 pass the hooks too (no probing the API unauthenticated).
    assert.equal((await request('/v1/nothing')).status, 401);
    assert.deepEqual(seen, ['/v1/models', '/v1/nothing']);
  });

  test('an authentication hook sets the principal; call hooks see it', async () => {
    const calls = new RecordingCallHook();
    const { post } = testGateway(CONFIG, {
      providers: new Map([['s', provider()]]),
      callHooks: [calls],
      requestHooks: { auth: [async (scope) => void (scope.principal = { id: 'key_1', kind: 'api_key', name: 'ci', attributes: {} })] },
    });
    assert.equal((await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] })).status, 200);
    assert.equal(calls.afters[0]!.principal, 'key_1');
  });

  test('AuthenticationError is a 401 in the OpenAI shape with WWW-Authenticate: Bearer', async () => {
    const { request } = testGateway(CONFIG, { requestHooks: { auth: [async () => { throw new AuthenticationError(); }] } });
    const res = await request('/v1/models');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await res.json(), { error: { message: 'Missing or invalid credentials.', type: 'authentication_error', param: null, code: 'invalid_api_key' } });
  });

  test("an HTTPException from Hono's own middleware keeps its status and headers, answered in the OpenAI shape", async () => {
    const bearer = bearerAuth<AppEnv>({ token: 'right-token' });
    const viaBearer: RequestHook = async (_scope, c) => void (await bearer(c, async () => {}));
    const { request, logs } = testGateway(CONFIG, { requestHooks: { auth: [viaBearer] } });

    const missing = await request('/v1/models');
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const body = await missing.json();
    assert.equal(body.error.type, 'authentication_error');
    assert.equal(typeof body.error.message, 'string');

    const wrong = await request('/v1/models', { headers: { authorization: 'Bearer wrong-token' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await request('/v1/models', { headers: { authorization: 'Bearer right-token' } })).status, 200);
    assert.ok(!logs.some((l) => l.msg === 'request failed'), 'a 401 is not a server failure');
  });

  test('an HTTPException with any status keeps it (429 with Retry-After, 403), never a 500', async () => {
    for (const [status, type] of [[429, 'rate_limit_error'], [403, 'permission_error'], [408, 'invalid_request_error']] as const) {
      const hook: RequestHook = async () => {
        throw new HTTPException(status, { message: `status ${status}`, res: new Response(null, { headers: { 'retry-after': '7' } }) });
      };
      const { request } = testGateway(CONFIG, { requestHooks: { rateLimit: [hook] } });
      const res = await request('/v1/models');
      assert.equal(res.status, status);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual((await res.json()).error, { message: `status ${status}`, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : status === 403 ? 'permission_denied' : null });
    }
  });

  test('with hooks installed, an unknown /v1 path is still labelled unmatched', async () => {
    const { request, logs } = testGateway(CONFIG, { requestHooks: { rateLimit: [async () => {}] } });
    assert.equal((await request('/v1/nothing')).status, 404);
    assert.equal(logs.find((l) => l.msg === 'request completed')!.route, 'unmatched');
  });
});

describe('the client address', () => {
  test('what the adapter passes reaches the scope (hooks see it) and the access log', async () => {
    const seen: unknown[] = [];
    const { gateway, logs } = testGateway(CONFIG, { requestHooks: { rateLimit: [async (scope) => void seen.push(scope.client)] } });
    await gateway.fetch(new Request('http://gateway.test/v1/models'), { address: '203.0.113.7', port: 40_001 });
    assert.deepEqual(seen, [{ address: '203.0.113.7', port: 40_001 }]);
    assert.equal(logs.find((l) => l.msg === 'request completed')!.client_address, '203.0.113.7');
  });

  test('without one, the scope has none and the log line leaves the field out', async () => {
    const { request, logs } = testGateway(CONFIG);
    await request('/health');
    assert.ok(!('client_address' in logs.find((l) => l.msg === 'request completed')!));
  });
});
