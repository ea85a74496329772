import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { clientAddressResolver } from '../../src/rate-limit/client-address.ts';
import { createRateLimiter } from '../../src/rate-limit/create-rate-limiter.ts';
import { failureReporter } from '../../src/rate-limit/failure-reporter.ts';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-rate-limiter.ts';
import { formatResetDuration, rateLimitHeaders } from '../../src/rate-limit/rate-limit-headers.ts';
import type { IdentityLimits } from '../../src/rate-limit/rate-limiter.ts';

const limits = (l: Partial<IdentityLimits> = {}): IdentityLimits => ({ requestsPerSecond: 1, burst: 3, tokensPerMinute: 0, usdPerDay: 0, ...l });

function clock(start = Date.UTC(2026, 0, 1, 12)) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('memory limiter: request bucket', () => {
  test('burst at once, then one per 1/rps; headers carry limit, remaining and reset', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ maxIdentities: 10, now: c.now });
    const l = limits({ requestsPerSecond: 2, burst: 3 });
    const first = await limiter.check('a', l);
    assert.deepEqual(first, { allowed: true, refused: undefined, retryAfterMs: undefined, requests: { limit: 3, remaining: 2, resetSeconds: 0.5 }, tokens: undefined, backendError: false });
    assert.equal((await limiter.check('a', l)).requests!.remaining, 1);
    assert.equal((await limiter.check('a', l)).requests!.remaining, 0);
    const refused = await limiter.check('a', l);
    assert.equal(refused.allowed, false);
    assert.equal(refused.refused, 'requests');
    assert.equal(refused.retryAfterMs, 500);
    assert.equal(refused.requests!.resetSeconds, 1.5);
    c.t += 499;
    assert.equal((await limiter.check('a', l)).allowed, false, 'not before the retry time');
    c.t += 1;
    assert.equal((await limiter.check('a', l)).allowed, true);
    assert.equal((await limiter.check('b', l)).requests!.remaining, 2, 'identities are separate');
  });

  test('a refused request does not use up the bucket', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ maxIdentities: 10, now: c.now });
    const l = limits({ requestsPerSecond: 1, burst: 1 });
    assert.equal((await limiter.check('a', l)).allowed, true);
    for (let i = 0; i < 10; i++) assert.equal((await limiter.check('a', l)).allowed, false);
    c.t += 1000;
    assert.equal((await limiter.check('a', l)).allowed, true, 'refusals did not push the refill back');
  });
});

describe('memory limiter: tokens per minute and budget', () => {
  test('usage is charged after the call and checked before the next; the bucket refills over a minute', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ maxIdentities: 10, now: c.now });
    const l = limits({ burst: 100, tokensPerMinute: 100 });
    const first = await limiter.check('a', l);
    assert.deepEqual(first.tokens, { limit: 100, remaining: 100, resetSeconds: 0 });
    await limiter.charge('a', l, { tokens: 60, usd: 0 });
    assert.deepEqual((await limiter.check('a', l)).tokens, { limit: 100, remaining: 40, resetSeconds: 36 });
    await limiter.charge('a', l, { tokens: 60, usd: 0 });
    const refused = await limiter.check('a', l);
    assert.equal(refused.refused, 'tokens');
    assert.equal(refused.tokens!.remaining, 0);
    assert.equal(refused.retryAfterMs, 12_001, '20 tokens of debt at 100/min');
    c.t += 12_001;
    assert.equal((await limiter.check('a', l)).allowed, true);
    assert.equal(refused.requests!.remaining, 98, 'the refused request took nothing from the request bucket');
  });

  test('a daily USD budget: refused once spent, until the next UTC midnight', async () => {
    const c = clock(Date.UTC(2026, 0, 1, 23, 0));
    const limiter = new MemoryRateLimiter({ maxIdentities: 10, now: c.now });
    const l = limits({ burst: 100, usdPerDay: 1 });
    const day = Math.floor(c.t / 86_400_000);
    assert.deepEqual(await limiter.charge('a', l, { tokens: 10, usd: 0.6 }), { usd: 0.6, day }, 'a charge reports the day and what it has spent');
    assert.equal((await limiter.check('a', l)).allowed, true);
    assert.deepEqual(await limiter.charge('a', l, { tokens: 10, usd: 0.6 }), { usd: 1.2, day });
    assert.equal(await limiter.charge('a', limits({ burst: 100, tokensPerMinute: 100 }), { tokens: 10, usd: 0.6 }), undefined, 'no budget, nothing to report');
    const refused = await limiter.check('a', l);
    assert.equal(refused.refused, 'budget');
    assert.equal(refused.retryAfterMs, 3_600_000);
    c.t += 3_600_000;
    assert.equal((await limiter.check('a', l)).allowed, true, 'a new day');
  });
});

describe('memory limiter: bounded', () => {
  test('idle identities are forgotten once fully recovered; at the cap the least recently seen goes', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ maxIdentities: 100, now: c.now });
    const l = limits({ requestsPerSecond: 10, burst: 10 });
    for (let i = 0; i < 100; i++) await limiter.check(`ip-${i}`, l);
    assert.equal(limiter.size, 100);
    c.t += 1000; // all refilled
    for (let i = 0; i < 60; i++) await limiter.check(`new-${i}`, l);
    assert.ok(limiter.size <= 100);
    assert.equal(limiter.size, 60, 'every recovered entry was swept by the calls');

    const capped = new MemoryRateLimiter({ maxIdentities: 3, now: c.now });
    const slow = limits({ requestsPerSecond: 0.001, burst: 1 });
    for (const id of ['a', 'b', 'c']) await capped.check(id, slow);
    await capped.check('a', slow); // a is now the most recently seen
    await capped.check('d', slow);
    assert.equal(capped.size, 3);
    assert.equal((await capped.check('a', slow)).allowed, false, 'a is still remembered');
    assert.equal((await capped.check('b', slow)).allowed, true, 'b, least recently seen, was forgotten');
  });

  test('spent budget keeps an identity until the day is over', async () => {
    const c = clock(Date.UTC(2026, 0, 1, 12));
    const limiter = new MemoryRateLimiter({ maxIdentities: 100, now: c.now });
    const l = limits({ requestsPerSecond: 10, burst: 10, usdPerDay: 1 });
    await limiter.charge('a', l, { tokens: 0, usd: 2 });
    c.t += 3_600_000;
    for (let i = 0; i < 10; i++) await limiter.check(`x-${i}`, limits());
    assert.equal((await limiter.check('a', l)).refused, 'budget');
  });
});

describe('createRateLimiter', () => {
  test('disabled builds nothing; per-key overrides resolve once and fall back to the defaults', async () => {
    assert.equal(createRateLimiter(parseConfig({}).rate_limit), undefined);
    const limiter = createRateLimiter(parseConfig({ rate_limit: { enabled: true, requests_per_second: 5, burst: 7, tokens_per_minute: 1000 } }).rate_limit)!;
    assert.deepEqual(limiter.limitsFor(), { requestsPerSecond: 5, burst: 7, tokensPerMinute: 1000, usdPerDay: 0 });
    const policy = { limits: { burst: 2 }, usdPerDay: 3 };
    assert.deepEqual(limiter.limitsFor(policy), { requestsPerSecond: 5, burst: 2, tokensPerMinute: 1000, usdPerDay: 3 });
    assert.equal(limiter.limitsFor(policy), limiter.limitsFor(policy), 'cached per policy');
    assert.equal(limiter.limitsFor({}), limiter.limitsFor());
    assert.equal((await limiter.checkFor('k', policy)).requests!.limit, 2);
    await limiter.shutdown();
  });
});

describe('rate limit headers', () => {
  test("reset durations in OpenAI's format", () => {
    assert.equal(formatResetDuration(0), '0s');
    assert.equal(formatResetDuration(0.012), '12ms');
    assert.equal(formatResetDuration(1), '1s');
    assert.equal(formatResetDuration(1.5), '1.5s');
    assert.equal(formatResetDuration(360), '6m0s');
    assert.equal(formatResetDuration(69.154), '1m9.154s');
    assert.equal(formatResetDuration(3600), '1h0m0s');
    assert.equal(formatResetDuration(0.0001), '1ms', 'rounded up, never 0 while something is pending');
  });

  test('successful and refused decisions', () => {
    const ok = rateLimitHeaders({ allowed: true, refused: undefined, retryAfterMs: undefined, requests: { limit: 20, remaining: 19, resetSeconds: 0.1 }, tokens: { limit: 1000, remaining: 880, resetSeconds: 7.2 }, backendError: false });
    assert.deepEqual(ok, {
      'x-ratelimit-limit-requests': '20',
      'x-ratelimit-remaining-requests': '19',
      'x-ratelimit-reset-requests': '100ms',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '880',
      'x-ratelimit-reset-tokens': '7.2s',
    });
    const refused = rateLimitHeaders({ allowed: false, refused: 'requests', retryAfterMs: 250, requests: { limit: 20, remaining: 0, resetSeconds: 2 }, tokens: undefined, backendError: false });
    assert.equal(refused['retry-after'], '1');
    assert.equal(refused['retry-after-ms'], '250');
    assert.equal(refused['x-ratelimit-limit-tokens'], undefined);
    assert.deepEqual(rateLimitHeaders({ allowed: true, refused: undefined, retryAfterMs: undefined, requests: undefined, tokens: undefined, backendError: true }), {}, 'nothing to say when the backend failed');
  });
});

describe('client address', () => {
  test('no trusted proxies: the socket peer, X-Forwarded-For ignored', () => {
    const resolve = clientAddressResolver([]);
    assert.equal(resolve('203.0.113.7', '1.1.1.1'), '203.0.113.7');
    assert.equal(resolve('::ffff:203.0.113.7', null), '203.0.113.7', 'IPv4-mapped IPv6 is the IPv4 address');
    assert.equal(resolve(undefined, '1.1.1.1'), 'unknown');
  });

  test('a spoofed X-Forwarded-For from an untrusted peer is ignored', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8']);
    assert.equal(resolve('198.51.100.9', '10.0.0.1, 1.2.3.4'), '198.51.100.9');
  });

  test('from a trusted proxy: walked from the right, past trusted hops, to the first untrusted', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8', 'fd00::/8']);
    assert.equal(resolve('10.0.0.5', '203.0.113.7'), '203.0.113.7');
    // The client wrote "6.6.6.6" itself; the first proxy appended the real address.
    assert.equal(resolve('10.0.0.5', '6.6.6.6, 203.0.113.7, 10.1.1.1'), '203.0.113.7');
    assert.equal(resolve('::ffff:10.0.0.5', '203.0.113.7:5555'), '203.0.113.7', 'IPv4-mapped peer; a hop with a port');
    assert.equal(resolve('fd00::1', '[2001:db8:1:2:3:4:5:6]:443'), '2001:db8:1:2:0:0:0:0/64', 'IPv6 clients by /64');
    assert.equal(resolve('fd00::1', '2001:db8:1:2::9'), '2001:db8:1:2:0:0:0:0/64');
    assert.equal(resolve('10.0.0.5', 'garbage, 10.2.2.2'), '10.2.2.2', 'an unreadable hop stops the walk at the last proxy');
    assert.equal(resolve('10.0.0.5', null), '10.0.0.5');
    assert.equal(resolve('10.0.0.5', '1.1.1.1,'.repeat(1000)), '10.0.0.5', 'an oversized header is not read');
  });

  test('IPv4 ranges match IPv4-mapped peers; single addresses; IPv6 ranges', () => {
    const resolve = clientAddressResolver(['192.168.1.7', '2001:db8::/32']);
    assert.equal(resolve('::ffff:192.168.1.7', '8.8.8.8'), '8.8.8.8');
    assert.equal(resolve('192.168.1.8', '8.8.8.8'), '192.168.1.8');
    assert.equal(resolve('2001:db8:ffff::1', '8.8.4.4'), '8.8.4.4');
    assert.equal(resolve('2001:db9::1', '8.8.4.4'), '2001:db9:0:0:0:0:0:0/64');
  });
});

describe('failure reporter', () => {
  test('counts every failure, logs at most once per interval with the number left out', () => {
    let t = 0;
    let counted = 0;
    const lines: Array<[unknown, number]> = [];
    const report = failureReporter({ log: (e, n) => lines.push([e, n]), count: () => counted++, intervalMs: 60_000, now: () => t });
    for (let i = 0; i < 5; i++) report(new Error(`e${i}`));
    t = 60_000;
    report(new Error('later'));
    assert.equal(counted, 6);
    assert.deepEqual(lines.map(([e, n]) => [(e as Error).message, n]), [['e0', 0], ['later', 4]]);
  });
});
