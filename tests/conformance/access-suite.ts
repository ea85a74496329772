import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { FakeIdentityProvider, makeKey } from '../fakes/fake-identity-provider.ts';
import { TcpProxy } from '../fakes/tcp-proxy.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { startServer, writeConfig, type RunningServer, type Target } from '../helpers/server.ts';
import { cleanRedisPrefix } from '../helpers/stores.ts';

const KEY_A = `sk-gw-conf-a-${randomUUID()}`;
const KEY_B = `sk-gw-conf-b-${randomUUID()}`;
const KEY_TOKENS = `sk-gw-conf-t-${randomUUID()}`;
const KEY_SHARED = `sk-gw-conf-s-${randomUUID()}`;
const MODELS = { providers: { mock: { type: 'mock' } }, models: [{ name: 'mock', provider: 'mock' }] };
const REDIS_PORT = 6379;

const sdk = (server: RunningServer, apiKey: string | null) =>
  new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: apiKey ?? 'unused', maxRetries: 0, ...(apiKey === null ? { defaultHeaders: { Authorization: null } } : {}) });

/** The same request from one key `count` times at once, spread over `servers`: the statuses. */
async function burst(servers: RunningServer[], key: string, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await fetch(`${servers[i % servers.length]!.baseUrl}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'mock', input: 'x' }),
      });
      await res.body?.cancel();
      return res.status;
    }),
  );
}

/**
 * Authentication and rate limits against real server processes: API keys and
 * an OIDC issuer over real HTTP, the memory limiter, and two processes sharing
 * one limit on the real Redis (through a TCP proxy the test cuts).
 */
export function accessScenarios(getTarget: () => Target): void {
  test('auth and limits: the SDK with a key, without one, past the burst; tokens charged from streams; ownership; an OIDC token; probes open; no key in logs or metrics', async () => {
    const idp = await new FakeIdentityProvider().start();
    const signing = await makeKey('conf-1', 'ES256');
    idp.published = [signing];
    const server = await startServer(getTarget(), writeConfig(stringify({
      server: { address: '127.0.0.1:0' },
      logging: { level: 'info' },
      ...MODELS,
      auth: {
        enabled: true,
        api_keys: [
          { name: 'team-a', key: KEY_A, rate_limit: { burst: 4, requests_per_second: 0.001 } },
          { name: 'team-b', key: KEY_B },
          { name: 'tokens', key: KEY_TOKENS, rate_limit: { tokens_per_minute: 100 } },
        ],
        oidc: { issuer: idp.issuer, audience: 'conf-gateway' },
      },
      rate_limit: { enabled: true, burst: 100 },
    })));
    try {
      const a = sdk(server, KEY_A);
      const created = await a.responses.create({ model: 'mock', input: 'Hello, world!' });
      assert.equal(created.output_text, 'Echo: Hello, world!');

      await assert.rejects(sdk(server, null).responses.create({ model: 'mock', input: 'x' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.AuthenticationError);
        assert.equal(error.code, 'invalid_api_key');
        assert.equal(error.headers.get('www-authenticate'), 'Bearer realm="llm-gateway"');
        return true;
      });
      await assert.rejects(sdk(server, 'sk-gw-not-configured-0123456789').models.list(), OpenAI.AuthenticationError);

      // Another key gets 404 for a response it did not create, and cannot continue it.
      const b = sdk(server, KEY_B);
      await assert.rejects(b.responses.retrieve(created.id), OpenAI.NotFoundError);
      await assert.rejects(b.responses.delete(created.id), OpenAI.NotFoundError);
      await assert.rejects(b.responses.create({ model: 'mock', input: 'x', previous_response_id: created.id }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.code, 'previous_response_not_found');
        return true;
      });

      // team-a has used 1 of its 4; the SDK sees the headers on answers and on the refusal.
      const { response } = await a.responses.create({ model: 'mock', input: 'x' }).withResponse();
      assert.equal(response.headers.get('x-ratelimit-limit-requests'), '4');
      assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '2');
      await a.responses.retrieve(created.id);
      await a.responses.create({ model: 'mock', input: 'x' });
      await assert.rejects(a.responses.create({ model: 'mock', input: 'x' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.ok(Number(error.headers.get('retry-after')) >= 1);
        assert.ok(Number(error.headers.get('retry-after-ms')) > 0);
        assert.equal(error.headers.get('x-ratelimit-limit-requests'), '4');
        assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
        assert.match(error.headers.get('x-ratelimit-reset-requests')!, /^\d+m\d+(\.\d+)?s$|^\d+h/);
        return true;
      });

      // 20 words in, 21 out: 41 tokens per streamed call. Refused once the streamed usage passes 100.
      const t = sdk(server, KEY_TOKENS);
      const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
      let streamedTokens = 0;
      let refused: unknown;
      for (let i = 0; i < 5 && !refused; i++) {
        try {
          const final = await t.responses.stream({ model: 'mock', input: words }).finalResponse();
          streamedTokens += final.usage!.total_tokens;
        } catch (error) {
          refused = error;
        }
      }
      assert.ok(refused instanceof OpenAI.RateLimitError, String(refused));
      assert.equal(refused.code, 'tokens_exceeded');
      assert.equal(streamedTokens, 123, 'three streams were let in: 41, 82, then 123 > 100');

      // An OIDC token from the issuer's key set, over real HTTP.
      const token = await idp.sign(signing, { aud: 'conf-gateway', sub: 'conf-user' });
      const viaToken = await sdk(server, token).responses.create({ model: 'mock', input: 'token', metadata: { k: 'oidc' } }, { headers: { 'x-request-id': 'conf-oidc' } });
      assert.equal(viaToken.output_text, 'Echo: token');
      const other = await idp.sign(await makeKey('conf-1', 'ES256'), { aud: 'conf-gateway' });
      await assert.rejects(sdk(server, other).models.list(), OpenAI.AuthenticationError);
      const logged = await server.waitForLog((l) => l.msg === 'request completed' && l.request_id === 'conf-oidc');
      assert.equal(logged.principal, 'oidc:conf-user');

      // Probes and scrapes: no credentials, while team-a is refused.
      for (const path of ['/health', '/ready', '/metrics']) assert.equal((await fetch(`${server.baseUrl}${path}`)).status, 200, path);
      const scrape = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const samples = parseExposition(scrape);
      assert.equal(sample(samples, 'auth_failures_total', { reason: 'missing' }), 1);
      assert.equal(sample(samples, 'rate_limit_decisions_total', { decision: 'refused', limit: 'tokens' }), 1);
      assert.doesNotMatch(scrape, /conf-user|team-a/, 'no identity is a label');
      await sleep(100);
      const everything = `${JSON.stringify(server.logs)}\n${server.stderr()}\n${scrape}`;
      for (const secret of [KEY_A, KEY_B, KEY_TOKENS, token, token.split('.')[2]!]) assert.ok(!everything.includes(secret!), 'a credential reached a log line or a metric');
      assert.ok(server.logs.some((l) => l.msg === 'response generated' && l.principal === 'api_key:team-a'));
    } finally {
      await server.stop();
      await idp.stop();
    }
  });

  test('anonymous limits per client address: a spoofed X-Forwarded-For from an untrusted peer is ignored', async () => {
    const server = await startServer(getTarget(), writeConfig(stringify({
      server: { address: '127.0.0.1:0' },
      ...MODELS,
      rate_limit: { enabled: true, burst: 2, requests_per_second: 0.001, trusted_proxies: ['10.0.0.0/8'] },
    })));
    try {
      const statuses = [];
      for (const claimed of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
        const res = await fetch(`${server.baseUrl}/v1/models`, { headers: { 'x-forwarded-for': claimed } });
        await res.body?.cancel();
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test('two gateway processes on the real Redis share one limit (burst 20: 40 concurrent requests, exactly 20 succeed); Redis cut mid-run: fail-open serves, fail-closed answers 503, each logged once; restored, the limit holds again', async () => {
    const prefix = `test:conf-rl:${randomUUID()}:`;
    const proxy = await new TcpProxy('127.0.0.1', REDIS_PORT).start();
    const config = (mode: 'open' | 'closed') => writeConfig(stringify({
      server: { address: '127.0.0.1:0' },
      logging: { level: 'info' },
      ...MODELS,
      auth: { enabled: true, api_keys: [{ name: 'shared', key: KEY_SHARED }] },
      rate_limit: { enabled: true, backend: 'redis', url: `redis://127.0.0.1:${proxy.port}/0`, key_prefix: prefix, burst: 20, requests_per_second: 0.001, failure_mode: mode, command_timeout: '500ms' },
    }));
    const servers: RunningServer[] = [];
    try {
      servers.push(await startServer(getTarget(), config('open')), await startServer(getTarget(), config('closed')));
      const [open, closed] = servers as [RunningServer, RunningServer];
      const statuses = await burst(servers, KEY_SHARED, 40);
      assert.equal(statuses.filter((s) => s === 200).length, 20, String(statuses));
      assert.equal(statuses.filter((s) => s === 429).length, 20);

      proxy.cut();
      const during = async (server: RunningServer) => (await burst([server], KEY_SHARED, 3));
      assert.deepEqual(await during(open), [200, 200, 200], 'fail-open lets requests through while Redis is away');
      const res = await fetch(`${closed.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY_SHARED}` }, body: '{"model":"mock","input":"x"}' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal((await res.json()).error.code, 'rate_limit_unavailable');
      assert.deepEqual(await during(closed), [503, 503, 503]);
      for (const server of servers) {
        const warnings = server.logs.filter((l) => l.msg === 'rate limiter unavailable');
        assert.equal(warnings.length, 1, 'logged once a minute at most');
        assert.ok(!JSON.stringify(warnings).includes(KEY_SHARED));
        const errors = sample(parseExposition(await (await fetch(`${server.baseUrl}/metrics`)).text()), 'rate_limit_decisions_total', { decision: 'error', limit: 'requests' });
        assert.ok(errors !== undefined && errors >= 3, `errors counted (${errors})`);
        assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200, 'probes do not depend on the limiter');
      }

      proxy.restore();
      // The client reconnects by itself; the shared bucket is still spent, so both refuse again.
      let after: number[] = [];
      for (let i = 0; i < 40; i++) {
        after = await burst(servers, KEY_SHARED, 2);
        if (after.every((s) => s === 429)) break;
        await sleep(250);
      }
      assert.deepEqual(after, [429, 429]);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await proxy.stop();
      await cleanRedisPrefix(prefix);
    }
  });
}
