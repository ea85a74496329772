import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfig, parseConfigText } from '../../src/config/parse-config.ts';
import { sha256Hex } from '../../src/config/sha256.ts';

const HASH = 'a'.repeat(64);
const models = [
  { name: 'mock', provider: 'mock', aliases: ['echo'] },
  { name: 'priced', provider: 'mock', pricing: { input_per_million: 1, output_per_million: 2 } },
];
const base = { providers: { mock: { type: 'mock' } }, models };

function problems(input: Record<string, unknown>): readonly string[] {
  try {
    parseConfig({ ...base, ...input });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('config was accepted');
}

describe('sha256Hex (config load)', () => {
  test('matches a reference implementation across block boundaries and non-ASCII text', () => {
    for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 200, 1000]) {
      const text = 'ké'.repeat(length % 5) + 'x'.repeat(length);
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'), `length ${length}`);
    }
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('auth config', () => {
  test('off by default, with no keys and no OIDC', () => {
    const config = parseConfig({});
    assert.deepEqual(config.auth, { enabled: false, api_keys: [] });
  });

  test('a clear key is hashed at load and not kept', () => {
    const key = 'sk-gw-test-key-0123456789';
    const config = parseConfigText('providers: { mock: { type: mock } }\nmodels: [{ name: mock, provider: mock }]\nauth:\n  enabled: true\n  api_keys:\n    - name: team-a\n      key: ${TEAM_A_KEY}\n', { TEAM_A_KEY: key });
    assert.deepEqual(config.auth.api_keys, [{ name: 'team-a', key_sha256: sha256Hex(key) }]);
    assert.ok(!JSON.stringify(config).includes(key), 'the clear key is nowhere in the parsed config');
  });

  test('key_sha256 is normalised to lowercase; per-key limits and budget parse', () => {
    const config = parseConfig({
      ...base,
      auth: {
        enabled: true,
        api_keys: [{ name: 'b', key_sha256: 'AB'.repeat(32), models: ['mock', 'echo'], rate_limit: { requests_per_second: 0.5, burst: 2 }, budget: { usd_per_day: 1.5 } }],
      },
      rate_limit: { enabled: true },
    });
    assert.deepEqual(config.auth.api_keys[0], { name: 'b', key_sha256: 'ab'.repeat(32), models: ['mock', 'echo'], rate_limit: { requests_per_second: 0.5, burst: 2 }, budget: { usd_per_day: 1.5 } });
  });

  test('bad keys: neither or both of key and key_sha256, short key, bad hash, duplicates, unknown models', () => {
    assert.deepEqual(
      problems({
        auth: {
          enabled: true,
          api_keys: [
            { name: 'none' },
            { name: 'both', key: 'x'.repeat(20), key_sha256: HASH },
            { name: 'short', key: 'short' },
            { name: 'badhash', key_sha256: 'xyz' },
            { name: 'dup', key_sha256: HASH },
            { name: 'dup', key_sha256: 'b'.repeat(64) },
            { name: 'same', key_sha256: HASH.toUpperCase() },
            { name: 'models', key_sha256: 'c'.repeat(64), models: ['mock', 'gpt-5'] },
            { name: 'has space', key_sha256: 'd'.repeat(64) },
          ],
        },
      }),
      [
        'auth.api_keys[0]: got a mapping; expected exactly one of key_sha256 and key',
        'auth.api_keys[1]: got a mapping; expected exactly one of key_sha256 and key',
        'auth.api_keys[2].key: got "short"; expected a key of at least 16 characters',
        'auth.api_keys[3].key_sha256: got "xyz"; expected 64 hex digits (the SHA-256 of the key)',
        'auth.api_keys[8].name: got "has space"; expected a key name of 1 to 64 letters, digits, "_", "-", "." or "@"',
      ],
    );
    assert.deepEqual(
      problems({
        auth: {
          enabled: true,
          api_keys: [
            { name: 'dup', key_sha256: HASH },
            { name: 'dup', key_sha256: 'b'.repeat(64) },
            { name: 'same', key_sha256: HASH.toUpperCase() },
            { name: 'models', key_sha256: 'c'.repeat(64), models: ['mock', 'gpt-5'] },
          ],
        },
      }),
      [
        'auth.api_keys[1].name: got "dup"; expected a unique name (also used at auth.api_keys[0])',
        'auth.api_keys[2]: the same key as auth.api_keys[0]; expected each key once',
        'auth.api_keys[3].models[1]: got "gpt-5"; expected a configured model name or alias (mock, echo, priced)',
      ],
    );
  });

  test('enabled with nothing to check against, and a budget without any pricing', () => {
    assert.deepEqual(problems({ auth: { enabled: true } }), ['auth.enabled: got true; expected api_keys or oidc to be configured as well']);
    assert.deepEqual(
      problems({ models: [{ name: 'mock', provider: 'mock' }], auth: { enabled: true, api_keys: [{ name: 'a', key_sha256: HASH, budget: { usd_per_day: 1 } }] }, rate_limit: { enabled: true } }),
      ['auth.api_keys[0].budget: a budget is charged from models[].pricing; expected at least one model with pricing'],
    );
    // Limits nobody would enforce are refused rather than silently ignored.
    assert.deepEqual(
      problems({ auth: { enabled: true, api_keys: [{ name: 'a', key_sha256: HASH, rate_limit: { burst: 2 } }] } }),
      ['auth.api_keys[0].rate_limit: enforced by the rate limiter; expected rate_limit.enabled: true'],
    );
  });

  test('OIDC: defaults, audience list, https or loopback http only, algorithms from the allowed set', () => {
    const config = parseConfig({ ...base, auth: { enabled: true, oidc: { issuer: 'https://login.example.com/', audience: 'llm-gateway' } } });
    assert.deepEqual(config.auth.oidc, {
      issuer: 'https://login.example.com/',
      audience: ['llm-gateway'],
      identity_claim: 'sub',
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clock_skew: 30_000,
    });
    assert.equal(parseConfig({ ...base, auth: { oidc: { issuer: 'http://127.0.0.1:9000', audience: ['a', 'b'], clock_skew: '2m' } } }).auth.oidc?.clock_skew, 120_000);
    assert.deepEqual(problems({ auth: { oidc: { issuer: 'http://login.example.com', audience: [], algorithms: ['HS256', 'none'], clock_skew: 'soon' } } }), [
      'auth.oidc.issuer: got "http://login.example.com"; expected an https:// URL (http:// only for localhost)',
      'auth.oidc.audience: got a list; expected at least one audience',
      'auth.oidc.algorithms[0]: got "HS256"; expected one of: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519',
      'auth.oidc.algorithms[1]: got "none"; expected one of: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519',
      'auth.oidc.clock_skew: got "soon"; expected a duration such as "30s" (units ms, s, m, h)',
    ]);
  });
});

describe('rate_limit config', () => {
  test('off by default, memory backend', () => {
    assert.deepEqual(parseConfig({}).rate_limit, {
      enabled: false,
      requests_per_second: 10,
      burst: 20,
      tokens_per_minute: 0,
      trusted_proxies: [],
      backend: 'memory',
      max_identities: 100_000,
    });
  });

  test('redis: url required, defaults for the rest; memory-only keys refused', () => {
    assert.deepEqual(parseConfig({ rate_limit: { enabled: true, backend: 'redis', url: 'redis://127.0.0.1:6379/0' } }).rate_limit, {
      enabled: true,
      requests_per_second: 10,
      burst: 20,
      tokens_per_minute: 0,
      trusted_proxies: [],
      backend: 'redis',
      url: 'redis://127.0.0.1:6379/0',
      failure_mode: 'open',
      key_prefix: 'llm-gateway:rl:',
      command_timeout: 250,
    });
    assert.deepEqual(problems({ rate_limit: { backend: 'redis', max_identities: 5, failure_mode: 'ajar' } }), [
      'rate_limit.url: is required',
      'rate_limit.failure_mode: got "ajar"; expected one of: open, closed',
      'rate_limit.max_identities: unknown key; remove it or check its spelling and section',
    ]);
    assert.deepEqual(problems({ rate_limit: { backend: 'memory', url: 'redis://x' } }), ['rate_limit.url: unknown key; remove it or check its spelling and section']);
    assert.deepEqual(problems({ rate_limit: { backend: 'memcached' } }), ['rate_limit.backend: got "memcached"; expected a rate limit backend: memory, redis']);
  });

  test('trusted_proxies: IPv4 and IPv6 CIDRs and single addresses; anything else refused', () => {
    const ok = ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', '2001:db8::/32', '::ffff:10.0.0.0/104', '0.0.0.0/0'];
    assert.deepEqual(parseConfig({ rate_limit: { trusted_proxies: ok } }).rate_limit.trusted_proxies, ok);
    assert.deepEqual(problems({ rate_limit: { trusted_proxies: ['10.0.0.0/33', '300.1.1.1', 'fd00::/129', 'proxy.local', '10.0.0.0/'] } }), [
      'rate_limit.trusted_proxies[0]: got "10.0.0.0/33"; expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address',
      'rate_limit.trusted_proxies[1]: got "300.1.1.1"; expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address',
      'rate_limit.trusted_proxies[2]: got "fd00::/129"; expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address',
      'rate_limit.trusted_proxies[3]: got "proxy.local"; expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address',
      'rate_limit.trusted_proxies[4]: got "10.0.0.0/"; expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address',
    ]);
  });

  test('limits must be positive where zero means nothing', () => {
    assert.deepEqual(problems({ rate_limit: { requests_per_second: 0, burst: 0, tokens_per_minute: -1 } }), [
      'rate_limit.requests_per_second: got 0; expected a number of requests per second > 0',
      'rate_limit.burst: got 0; expected a whole number >= 1',
      'rate_limit.tokens_per_minute: got -1; expected a whole number >= 0',
    ]);
  });
});
