import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportSPKI, importJWK, SignJWT, base64url } from 'jose';
import { isAuthFailure, type AuthFailure } from '../../src/auth/auth-failure.ts';
import { createAuthenticator, type Authenticator } from '../../src/auth/create-authenticator.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { sha256Hex } from '../../src/config/sha256.ts';
import { FakeIdentityProvider, makeKey, type IssuerKey } from '../fakes/fake-identity-provider.ts';

const KEY_A = 'sk-gw-team-a-0123456789abcdefghijklmnop';
const KEY_B = 'sk-gw-team-b-0123456789abcdefghijklmnop';

function config(auth: Record<string, unknown>) {
  return parseConfig({
    providers: { mock: { type: 'mock' } },
    models: [
      { name: 'mock', provider: 'mock', aliases: ['echo'] },
      { name: 'other', provider: 'mock' },
    ],
    auth: { enabled: true, ...auth },
    rate_limit: { enabled: true },
  });
}

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

function principal(result: Principal | AuthFailure): Principal {
  assert.ok(!isAuthFailure(result), `expected a principal, got ${JSON.stringify(result)}`);
  return result;
}

function failure(result: Principal | AuthFailure): AuthFailure {
  assert.ok(isAuthFailure(result), `expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

const bearer = (token: string) => headers({ authorization: `Bearer ${token}` });

describe('API keys', () => {
  const auth = createAuthenticator(
    config({
      api_keys: [
        { name: 'team-a', key: KEY_A, models: ['mock'], rate_limit: { burst: 3 }, budget: undefined },
        { name: 'team-b', key_sha256: sha256Hex(KEY_B) },
      ],
    }),
  )!;

  test('a valid key by Authorization: Bearer or x-api-key is its configured name', async () => {
    const expected = { id: 'team-a', kind: 'api_key', name: 'team-a', attributes: {} };
    assert.deepEqual(principal(await auth.authenticate(bearer(KEY_A))), expected);
    assert.deepEqual(principal(await auth.authenticate(headers({ authorization: `bearer  ${KEY_A} ` }))), expected, 'scheme case-insensitive, spaces trimmed');
    assert.deepEqual(principal(await auth.authenticate(headers({ 'x-api-key': KEY_A }))), expected);
    assert.equal(principal(await auth.authenticate(bearer(KEY_B))).id, 'team-b', 'key_sha256 form');
  });

  test('both headers: the same key is fine, two different ones are refused', async () => {
    assert.equal(principal(await auth.authenticate(headers({ authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_A }))).id, 'team-a');
    assert.equal(failure(await auth.authenticate(headers({ authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_B }))).failure, 'malformed');
  });

  test('missing, unknown and malformed credentials, none echoed', async () => {
    const missing = failure(await auth.authenticate(headers({})));
    assert.equal(missing.failure, 'missing');
    assert.equal(failure(await auth.authenticate(headers({ authorization: 'Bearer ' }))).failure, 'missing');
    const unknown = failure(await auth.authenticate(bearer('sk-gw-not-a-configured-key-000000')));
    assert.equal(unknown.failure, 'unknown_key');
    assert.ok(!unknown.message.includes('sk-gw-not'), 'the presented key is not echoed');
    assert.equal(failure(await auth.authenticate(headers({ authorization: `Basic ${btoa('a:b')}` }))).failure, 'malformed');
    assert.equal(failure(await auth.authenticate(bearer('x'.repeat(9000)))).failure, 'malformed', 'over the length cap');
    assert.equal(failure(await auth.authenticate(headers({ 'x-api-key': 'has space inside' }))).failure, 'malformed');
    assert.equal(failure(await auth.authenticate(headers({ authorization: `Bearer ${KEY_A}, Bearer ${KEY_B}` }))).failure, 'malformed', 'two Authorization headers');
    // A key that differs in one character is unknown, not "close".
    assert.equal(failure(await auth.authenticate(bearer(KEY_A.slice(0, -1) + 'q'))).failure, 'unknown_key');
  });

  test('policies: allow-lists include aliases; keys without settings and other callers are open', async () => {
    const a = principal(await auth.authenticate(bearer(KEY_A)));
    const b = principal(await auth.authenticate(bearer(KEY_B)));
    assert.equal(auth.allowsModel(a, 'mock'), true);
    assert.equal(auth.allowsModel(a, 'echo'), true, 'an alias of an allowed model');
    assert.equal(auth.allowsModel(a, 'other'), false);
    assert.equal(auth.allowsModel(a, 'mock/anything'), false, 'a direct provider/model route is outside the list');
    assert.deepEqual(auth.policy(a).limits, { burst: 3 });
    assert.equal(auth.allowsModel(b, 'other'), true);
    assert.deepEqual(auth.policy(b), { models: undefined, limits: undefined, usdPerDay: undefined });
    assert.equal(auth.allowsModel({ id: 'team-a', kind: 'oidc', attributes: {} }, 'other'), true, 'an OIDC subject named like a key gets nothing of the key');
  });

  test('auth.enabled: false builds nothing', () => {
    assert.equal(createAuthenticator(parseConfig({ auth: { enabled: false, api_keys: [{ name: 'a', key: KEY_A }] } })), undefined);
  });
});

describe('OIDC against a real JWKS server', () => {
  const idp = new FakeIdentityProvider();
  let rsa: IssuerKey;
  let ec: IssuerKey;
  let ed: IssuerKey;
  let auth: Authenticator;
  const COOLDOWN = 300;

  before(async () => {
    await idp.start();
    [rsa, ec, ed] = await Promise.all([makeKey('rsa-1', 'RS256'), makeKey('ec-1', 'ES256'), makeKey('ed-1', 'EdDSA')]);
    idp.published = [rsa, ec, ed];
    auth = createAuthenticator(config({ api_keys: [{ name: 'team-a', key: KEY_A }], oidc: { issuer: idp.issuer, audience: ['llm-gateway', 'other-aud'] } }), {
      jwksCooldownMs: COOLDOWN,
    })!;
  });
  after(() => idp.stop());

  test('valid RS256, ES256 and EdDSA tokens; discovery and keys fetched once', async () => {
    for (const key of [rsa, ec, ed]) {
      const result = principal(await auth.authenticate(bearer(await idp.sign(key, { aud: 'llm-gateway', sub: `user-${key.alg}` }))));
      assert.deepEqual(result, { id: `user-${key.alg}`, kind: 'oidc', attributes: { issuer: idp.issuer } });
    }
    assert.equal(idp.discoveryFetches, 1);
    assert.equal(idp.jwksFetches, 1);
  });

  test('both modes on: a JWT goes to OIDC, anything else to the API keys', async () => {
    assert.equal(principal(await auth.authenticate(bearer(KEY_A))).kind, 'api_key');
    assert.equal(principal(await auth.authenticate(headers({ 'x-api-key': await idp.sign(rsa, { aud: 'llm-gateway' }) }))).kind, 'oidc');
  });

  test('exp and nbf, with the clock skew (30 s by default)', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', exp: now - 120 })))).failure, 'expired');
    principal(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', exp: now - 10 }))));
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', nbf: now + 120 })))).failure, 'not_yet_valid');
    principal(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', nbf: now + 10 }))));
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', exp: undefined })))).failure, 'invalid_token', 'a token without exp never expires: refused');
  });

  test('wrong audience, wrong issuer, no identity claim', async () => {
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'someone-else' })))).failure, 'invalid_token');
    principal(await auth.authenticate(bearer(await idp.sign(rsa, { aud: ['someone-else', 'other-aud'] }))));
    const wrongIss = failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', iss: 'https://evil.example/' }))));
    assert.equal(wrongIss.failure, 'invalid_token');
    assert.match(wrongIss.message, /"iss"/);
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', iss: idp.issuer.slice(0, -1) })))).failure, 'invalid_token', 'iss must match exactly');
    assert.equal(failure(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway', sub: undefined })))).failure, 'invalid_token');
  });

  test('alg none, HS256 keyed with the public key, and a token signed by another key are refused', async () => {
    const payload = { iss: idp.issuer, aud: 'llm-gateway', sub: 'attacker', exp: Math.floor(Date.now() / 1000) + 300 };
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'rsa-1' }))}.${base64url.encode(JSON.stringify(payload))}.`;
    assert.equal(failure(await auth.authenticate(bearer(none))).failure, 'invalid_token');

    const publicPem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [new TextEncoder().encode(publicPem), new TextEncoder().encode(JSON.stringify(rsa.publicJwk))]) {
      const hs256 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(secret);
      const result = failure(await auth.authenticate(bearer(hs256)));
      assert.equal(result.failure, 'invalid_token');
      assert.match(result.message, /algorithm/);
    }

    const impostor = await makeKey('rsa-1', 'RS256');
    const forged = failure(await auth.authenticate(bearer(await idp.sign(impostor, { aud: 'llm-gateway' }))));
    assert.equal(forged.failure, 'invalid_token');
    assert.match(forged.message, /signature/);
  });

  test('an unknown kid is refetched at most once per cooldown, then the rotated key is accepted', async () => {
    const rotated = await makeKey('rsa-2', 'RS256');
    await new Promise((r) => setTimeout(r, COOLDOWN + 50));
    const before = idp.jwksFetches;
    // Not published yet: one refetch for the first token, none for a burst of others.
    const unknown = await Promise.all(Array.from({ length: 20 }, async () => auth.authenticate(bearer(await idp.sign(rotated, { aud: 'llm-gateway' })))));
    for (const result of unknown) assert.equal(failure(result).failure, 'invalid_token');
    assert.equal(idp.jwksFetches, before + 1);
    for (let i = 0; i < 5; i++) failure(await auth.authenticate(bearer(await idp.sign({ ...rotated, kid: `random-${i}` }, { aud: 'llm-gateway' }))));
    assert.equal(idp.jwksFetches, before + 1, 'no refetch within the cooldown, whatever kids arrive');

    idp.published = [rsa, ec, ed, rotated];
    await new Promise((r) => setTimeout(r, COOLDOWN + 50));
    assert.equal(principal(await auth.authenticate(bearer(await idp.sign(rotated, { aud: 'llm-gateway' })))).id, 'user-1');
    assert.equal(idp.jwksFetches, before + 2);
    principal(await auth.authenticate(bearer(await idp.sign(rsa, { aud: 'llm-gateway' }))));
    assert.equal(idp.jwksFetches, before + 2, 'known keys come from the cache');
  });
});

describe('OIDC: the identity provider misbehaving', () => {
  test('a discovery document naming another issuer is not trusted', async () => {
    const idp = await new FakeIdentityProvider().start();
    try {
      idp.published = [await makeKey('k', 'ES256')];
      idp.discoveryIssuer = 'https://evil.example/';
      const auth = createAuthenticator(config({ oidc: { issuer: idp.issuer, audience: 'a' } }), { discoveryRetryMs: 60_000 })!;
      const token = await idp.sign(idp.published[0]!, { aud: 'a' });
      assert.equal(failure(await auth.authenticate(bearer(token))).failure, 'unavailable');
      assert.equal(failure(await auth.authenticate(bearer(token))).failure, 'unavailable');
      assert.equal(idp.discoveryFetches, 1, 'a failed discovery is not retried for every token');
      assert.equal(idp.jwksFetches, 0);
    } finally {
      await idp.stop();
    }
  });

  test('jwks_url skips discovery; a key set over the size cap or too slow is refused as unavailable', async () => {
    const idp = await new FakeIdentityProvider().start();
    try {
      const key = await makeKey('k', 'ES256');
      idp.published = [key];
      const make = () => createAuthenticator(config({ oidc: { issuer: idp.issuer, audience: 'a', jwks_url: `${idp.url}/jwks`, algorithms: ['ES256'] } }), { maxResponseBytes: 4096, fetchTimeoutMs: 300, jwksCooldownMs: 0 })!;
      const token = await idp.sign(key, { aud: 'a' });
      principal(await make().authenticate(bearer(token)));
      assert.equal(idp.discoveryFetches, 0);

      idp.jwksReply = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [key.publicJwk], padding: 'x'.repeat(100_000) }));
      };
      assert.equal(failure(await make().authenticate(bearer(token))).failure, 'unavailable', 'declared too large');
      idp.jwksReply = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ keys: [key.publicJwk] }).slice(0, -2));
        res.end(' '.repeat(100_000) + ']}');
      };
      assert.equal(failure(await make().authenticate(bearer(token))).failure, 'unavailable', 'chunked past the cap');
      idp.jwksReply = () => {}; // never answers
      const started = Date.now();
      assert.equal(failure(await make().authenticate(bearer(token))).failure, 'unavailable', 'timed out');
      assert.ok(Date.now() - started < 5_000);
      idp.jwksReply = (res) => res.writeHead(302, { location: 'https://elsewhere.example/jwks' }).end();
      assert.equal(failure(await make().authenticate(bearer(token))).failure, 'unavailable', 'redirects are not followed');
    } finally {
      await idp.stop();
    }
  });

  test('an unreachable issuer is unavailable, not a crash', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const auth = createAuthenticator(config({ oidc: { issuer: `http://127.0.0.1:${port}/`, audience: 'a' } }))!;
    const token = `${base64url.encode('{"alg":"RS256"}')}.${base64url.encode('{}')}.sig`;
    assert.equal(failure(await auth.authenticate(bearer(token))).failure, 'unavailable');
  });

  test('OIDC only: a credential that is not a JWT is an invalid token', async () => {
    const auth = createAuthenticator(config({ oidc: { issuer: 'https://login.example.com/', audience: 'a' } }))!;
    assert.equal(failure(await auth.authenticate(bearer(KEY_A))).failure, 'invalid_token');
  });
});
