import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/parse-config.ts';
import { createRateLimiter } from '../../src/rate-limit/create-rate-limiter.ts';
import { IoredisScripting } from '../../src/rate-limit/ioredis-scripting.ts';
import type { IdentityLimits } from '../../src/rate-limit/rate-limiter.ts';
import { redisScript } from '../../src/rate-limit/redis-scripting.ts';
import { TcpProxy } from '../fakes/tcp-proxy.ts';

// The machine's shared Redis: every key of this run is under its own prefix, and nothing is flushed.
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const PREFIX = `test:rl:${randomUUID()}:`;
const admin = new Redis(REDIS_URL, { lazyConnect: true });

function limiterConfig(extra: Record<string, unknown> = {}) {
  return parseConfig({ rate_limit: { enabled: true, backend: 'redis', url: REDIS_URL, key_prefix: PREFIX, command_timeout: '300ms', ...extra } }).rate_limit;
}

const limits = (l: Partial<IdentityLimits> = {}): IdentityLimits => ({ requestsPerSecond: 0.01, burst: 20, tokensPerMinute: 0, usdPerDay: 0, ...l });

after(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
});

describe('redis limiter on the real Redis', () => {
  test('two instances, two clients, one limit: 40 concurrent checks with burst 20 allow exactly 20', async () => {
    const a = createRateLimiter(limiterConfig())!;
    const b = createRateLimiter(limiterConfig())!;
    try {
      const l = limits();
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).check('api_key:shared', l)));
      assert.equal(decisions.filter((d) => d.allowed).length, 20);
      const refused = decisions.filter((d) => !d.allowed);
      assert.ok(refused.every((d) => d.refused === 'requests' && d.requests!.remaining === 0 && d.retryAfterMs! > 0));
      assert.deepEqual(
        decisions.filter((d) => d.allowed).map((d) => d.requests!.remaining).sort((x, y) => x - y),
        Array.from({ length: 20 }, (_, i) => i),
        'each allowed check saw a distinct remaining count',
      );
      const ttl = await admin.pttl(`${PREFIX}{api_key:shared}:r`);
      assert.ok(ttl > 0 && ttl <= 20 / 0.01 * 1000 + 1000, `the bucket expires when it would be full again (${ttl} ms)`);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });

  test('tokens per minute: charged on one instance, refused on the other', async () => {
    const a = createRateLimiter(limiterConfig())!;
    const b = createRateLimiter(limiterConfig())!;
    try {
      const l = limits({ burst: 100, tokensPerMinute: 100 });
      assert.deepEqual((await a.check('api_key:tok', l)).tokens, { limit: 100, remaining: 100, resetSeconds: 0 });
      await a.charge('api_key:tok', l, { tokens: 60, usd: 0 });
      const mid = await b.check('api_key:tok', l);
      assert.equal(mid.allowed, true);
      assert.ok(mid.tokens!.remaining >= 40 && mid.tokens!.remaining <= 41, String(mid.tokens!.remaining));
      await b.charge('api_key:tok', l, { tokens: 60, usd: 0 });
      const refused = await a.check('api_key:tok', l);
      assert.equal(refused.refused, 'tokens');
      assert.equal(refused.tokens!.remaining, 0);
      assert.ok(refused.retryAfterMs! > 10_000 && refused.retryAfterMs! <= 12_001, String(refused.retryAfterMs));
      assert.ok((await admin.pttl(`${PREFIX}{api_key:tok}:t`)) > 60_000, 'a bucket in debt lives until it is full again');
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });

  test('daily budget, shared; no keys written for identities without one', async () => {
    const a = createRateLimiter(limiterConfig())!;
    const b = createRateLimiter(limiterConfig())!;
    try {
      const l = limits({ burst: 100, usdPerDay: 1 });
      const first = await a.charge('api_key:budget', l, { tokens: 10, usd: 0.75 });
      assert.equal((await b.check('api_key:budget', l)).allowed, true);
      // Each charge reports the shared total on Redis's day, from the script's own reply.
      const second = await b.charge('api_key:budget', l, { tokens: 10, usd: 0.5 });
      const today = Math.floor(Date.now() / 86_400_000);
      assert.deepEqual([first?.usd, second?.usd], [0.75, 1.25]);
      assert.ok(first!.day === second!.day && Math.abs(second!.day - today) <= 1, `days ${first!.day}, ${second!.day}`);
      const refused = await a.check('api_key:budget', l);
      assert.equal(refused.refused, 'budget');
      const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
      assert.ok(Math.abs(refused.retryAfterMs! - untilMidnight) < 5_000, `${refused.retryAfterMs} vs ${untilMidnight}`);
      assert.equal(Number(await admin.hget(`${PREFIX}{api_key:budget}:b`, 's')), 1.25);

      assert.equal(await a.charge('ip:1.2.3.4', limits(), { tokens: 500, usd: 3 }), undefined, 'no budget, nothing to report');
      assert.equal(await admin.exists(`${PREFIX}{ip:1.2.3.4}:t`, `${PREFIX}{ip:1.2.3.4}:b`), 0);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });

  test('scripts: EVALSHA, with EVAL when Redis does not know the script yet', async () => {
    const client = new IoredisScripting({ url: REDIS_URL, commandTimeoutMs: 1000 });
    try {
      const script = await redisScript(`return tonumber(ARGV[1]) + 1 -- ${randomUUID()}`);
      assert.deepEqual(await admin.script('EXISTS', script.sha), [0]);
      assert.equal(await client.evalScript(script, [], [41]), 42);
      assert.deepEqual(await admin.script('EXISTS', script.sha), [1], 'EVAL loaded it');
      assert.equal(await client.evalScript(script, [], [1]), 2);
    } finally {
      await client.close();
      await client.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('redis limiter when Redis is unreachable', () => {
  test('nothing listening: fail-open allows, fail-closed refuses, each failure reported, within the command timeout', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}/0`;
    for (const failure_mode of ['open', 'closed'] as const) {
      const errors: Array<[unknown, string]> = [];
      const limiter = createRateLimiter(limiterConfig({ url, failure_mode }), { onError: (e, op) => errors.push([e, op]) })!;
      try {
        const started = performance.now();
        const decision = await limiter.check('api_key:x', limits());
        assert.ok(performance.now() - started < 3_000);
        assert.equal(decision.backendError, true);
        assert.equal(decision.allowed, failure_mode === 'open');
        assert.equal(decision.refused, failure_mode === 'open' ? undefined : 'unavailable');
        await limiter.charge('api_key:x', limits({ tokensPerMinute: 10 }), { tokens: 5, usd: 0 });
        assert.deepEqual(errors.map(([, op]) => op), ['check', 'charge']);
        assert.ok(errors[0]![0] instanceof Error);
      } finally {
        await limiter.shutdown();
      }
    }
  });

  test('Redis cut mid-run, then back: decisions follow the failure mode, then the shared state again', async () => {
    const proxy = await new TcpProxy('127.0.0.1', 6379).start();
    const errors: unknown[] = [];
    const open = createRateLimiter(limiterConfig({ url: `redis://127.0.0.1:${proxy.port}/0`, failure_mode: 'open' }), { onError: (e) => errors.push(e) })!;
    const closed = createRateLimiter(limiterConfig({ url: `redis://127.0.0.1:${proxy.port}/0`, failure_mode: 'closed' }), { onError: (e) => errors.push(e) })!;
    try {
      const l = limits({ burst: 5 });
      assert.equal((await open.check('api_key:cut', l)).requests!.remaining, 4);
      assert.equal((await closed.check('api_key:cut', l)).requests!.remaining, 3);
      await proxy.cut();
      await sleep(50);
      const [o, c] = await Promise.all([open.check('api_key:cut', l), closed.check('api_key:cut', l)]);
      assert.deepEqual([o.allowed, o.backendError], [true, true]);
      assert.deepEqual([c.allowed, c.refused, c.retryAfterMs], [false, 'unavailable', 1000]);
      assert.equal(errors.length, 2);
      await proxy.restore();
      let back = await open.check('api_key:cut', l);
      for (let i = 0; back.backendError && i < 50; i++) {
        await sleep(100);
        back = await open.check('api_key:cut', l);
      }
      assert.equal(back.backendError, false, 'reconnected by itself');
      assert.equal(back.requests!.remaining, 2, 'the state from before the outage is still shared');
    } finally {
      await Promise.all([open.shutdown(), closed.shutdown()]);
      await proxy.stop();
    }
  });
});
