import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { sdkClient } from '../helpers/openai-client.ts';

async function expectError(res: Response, status: number, code: string | null, param: string | null = null) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type')!, /^application\/json/);
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code, body.error.message);
  assert.equal(body.error.param, param);
  return body.error as { message: string; type: string };
}

const BODIES = {
  '/v1/responses': { model: 'mock', input: 'Hi there' },
  '/v1/chat/completions': { model: 'mock', messages: [{ role: 'user', content: 'Hi there' }] },
};

function postRaw(gw: ReturnType<typeof testGateway>, path: string, body: BodyInit, headers: Record<string, string>) {
  return gw.request(path, { method: 'POST', headers, body });
}

describe('model calls take only JSON bodies', () => {
  for (const [path, json] of Object.entries(BODIES)) {
    test(`${path}: text/plain, form, no Content-Type and other types are 415 unsupported_media_type`, async () => {
      const gw = testGateway();
      const text = JSON.stringify(json);
      for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/vnd.api+json', 'json', '']) {
        const res = await postRaw(gw, path, text, { 'content-type': type });
        const error = await expectError(res, 415, 'unsupported_media_type');
        assert.equal(error.type, 'invalid_request_error');
        assert.match(error.message, /application\/json/);
        assert.equal(res.headers.get('x-should-retry'), 'false');
      }
      // A Request with a Blob body and no type has no Content-Type at all.
      const res = await gw.request(path, { method: 'POST', body: new Blob([text]) });
      assert.equal(res.headers.get('content-type')?.startsWith('application/json'), true);
      await expectError(res, 415, 'unsupported_media_type');
    });

    test(`${path}: application/json with parameters, in any case, is accepted; a charset other than UTF-8 is 415`, async () => {
      const gw = testGateway();
      const text = JSON.stringify(json);
      for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', ' application/json ; foo=bar']) {
        assert.equal((await postRaw(gw, path, text, { 'content-type': type })).status, 200, type);
      }
      for (const type of ['application/json; charset=utf-16', 'application/json; charset=latin1']) {
        await expectError(await postRaw(gw, path, text, { 'content-type': type }), 415, 'unsupported_media_type');
      }
    });
  }

  test('the official SDK sends what the gateway takes', async () => {
    const gw = testGateway();
    const client = sdkClient(gw.gateway);
    assert.equal((await client.responses.create({ model: 'mock', input: 'Hi' })).output_text, 'Echo: Hi');
    const chat = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(chat.choices[0]!.message.content, 'Echo: Hi');
  });

  test('the content type is checked before the body is read', async () => {
    const gw = testGateway();
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('{"model":"mock",'));
      },
    });
    const res = await gw.gateway.fetch(new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'text/plain' }, body, duplex: 'half' } as RequestInit));
    await expectError(res, 415, 'unsupported_media_type');
    assert.ok(pulled <= 1, `${pulled} chunks were read`);
  });
});

describe('Content-Encoding of a request body', () => {
  const json = JSON.stringify(BODIES['/v1/responses']);

  test('gzip, x-gzip and deflate bodies are decoded, on both APIs', async () => {
    const gw = testGateway();
    for (const [encoding, bytes] of [['gzip', gzipSync(json)], ['x-gzip', gzipSync(json)], ['deflate', deflateSync(json)], ['GZIP', gzipSync(json)], ['identity', new TextEncoder().encode(json)]] as const) {
      const res = await postRaw(gw, '/v1/responses', bytes, { 'content-type': 'application/json', 'content-encoding': encoding });
      assert.equal(res.status, 200, encoding);
      assert.equal((await res.json()).output[0].content[0].text, 'Echo: Hi there');
    }
    const chat = await postRaw(gw, '/v1/chat/completions', gzipSync(JSON.stringify(BODIES['/v1/chat/completions'])), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(chat.status, 200);
    assert.equal((await chat.json()).choices[0].message.content, 'Echo: Hi there');
  });

  test('a streamed (chunked) gzip body is decoded too', async () => {
    const gw = testGateway();
    const bytes = gzipSync(json);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 7));
        controller.enqueue(bytes.subarray(7));
        controller.close();
      },
    });
    const res = await gw.gateway.fetch(
      new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body, duplex: 'half' } as RequestInit),
    );
    assert.equal(res.status, 200);
  });

  test('other encodings are 415 unsupported_media_type, never invalid_json', async () => {
    const gw = testGateway();
    for (const encoding of ['br', 'zstd', 'compress', 'gzip, gzip', 'gzip, br', 'bogus']) {
      const res = await postRaw(gw, '/v1/responses', gzipSync(json), { 'content-type': 'application/json', 'content-encoding': encoding });
      const error = await expectError(res, 415, 'unsupported_media_type');
      assert.match(error.message, /Content-Encoding/);
    }
  });

  test('a body that is not what its encoding says is 400 invalid_encoding', async () => {
    const gw = testGateway();
    for (const [encoding, bytes] of [['gzip', new TextEncoder().encode(json)], ['deflate', new TextEncoder().encode(json)], ['gzip', gzipSync(json).subarray(0, 20)]] as const) {
      const res = await postRaw(gw, '/v1/responses', bytes, { 'content-type': 'application/json', 'content-encoding': encoding });
      const error = await expectError(res, 400, 'invalid_encoding');
      assert.match(error.message, new RegExp(`not valid ${encoding}`));
    }
  });

  test('the body-size limit applies to the decoded bytes: a gzip bomb is 413 without being decoded whole', async () => {
    const gw = testGateway({ server: { max_request_body_size: '64KiB' } });
    // 64 MiB of spaces inside a JSON string compress to about 64 KiB... of which only the start is needed.
    const bomb = gzipSync(`{"model":"mock","input":"${' '.repeat(64 * 1024 * 1024)}"}`, { level: 9 });
    assert.ok(bomb.byteLength < 64 * 1024, `the bomb is ${bomb.byteLength} bytes`);
    const before = process.memoryUsage().arrayBuffers;
    const res = await postRaw(gw, '/v1/responses', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    const error = await expectError(res, 413, 'request_too_large');
    assert.match(error.message, /65536-byte limit/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'the body was decoded whole');
    // Within the limit once decoded: accepted.
    const small = gzipSync(`{"model":"mock","input":"${'a '.repeat(20_000)}"}`);
    assert.equal((await postRaw(gw, '/v1/responses', small, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status, 200);
  });

  test('a declared compressed size over the limit is 413 before the body is read', async () => {
    const gw = testGateway({ server: { max_request_body_size: 1024 } });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const res = await gw.gateway.fetch(
      new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': '4096' }, body, duplex: 'half' } as RequestInit),
    );
    await expectError(res, 413, 'request_too_large');
    assert.ok(pulled <= 1, `${pulled} chunks were read`);
  });
});

const PREFLIGHT = { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' };

function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
}

describe('bodies told to the adapter (bodyRead), for its collections after large bodies', () => {
  test('bodies without Content-Length and decoded bodies are told with their decoded size; declared plain ones are not', async () => {
    const sizes: number[] = [];
    const gw = testGateway({}, { bodyRead: (bytes) => sizes.push(bytes) });
    const json = JSON.stringify({ model: 'mock', input: 'é'.repeat(1000) });
    const length = new TextEncoder().encode(json).byteLength;
    // A Request made from a string declares no Content-Length: the gateway reads it as a chunked body.
    assert.equal((await postRaw(gw, '/v1/responses', json, { 'content-type': 'application/json' })).status, 200);
    assert.equal((await postRaw(gw, '/v1/chat/completions', JSON.stringify(BODIES['/v1/chat/completions']), { 'content-type': 'application/json' })).status, 200);
    assert.deepEqual(sizes, [length, JSON.stringify(BODIES['/v1/chat/completions']).length]);
    sizes.length = 0;
    assert.equal((await postRaw(gw, '/v1/responses', json, { 'content-type': 'application/json', 'content-length': String(length) })).status, 200);
    assert.deepEqual(sizes, [], 'the adapter counts a declared size itself');
    const gzipped = gzipSync(json);
    assert.equal((await postRaw(gw, '/v1/responses', gzipped, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gzipped.byteLength) })).status, 200);
    assert.deepEqual(sizes, [length], 'the decoded size, not the compressed one');
  });
});

describe('CORS', () => {
  test('without server.cors: preflights are 403 with no CORS headers; answers carry none', async () => {
    const gw = testGateway();
    for (const path of ['/v1/responses', '/v1/chat/completions', '/v1/models', '/v1/responses/resp_1', '/v1/nothing']) {
      const res = await gw.request(path, { method: 'OPTIONS', headers: PREFLIGHT });
      const error = await expectError(res, 403, 'cors_not_allowed');
      assert.equal(error.type, 'permission_error');
      assert.deepEqual(corsHeaders(res), {}, path);
    }
    // Not a preflight: the route's own answer.
    assert.equal((await gw.request('/v1/responses', { method: 'OPTIONS' })).status, 405);
    const answer = await gw.post('/v1/responses', BODIES['/v1/responses'], { origin: 'https://app.example.com' });
    assert.equal(answer.status, 200);
    assert.deepEqual(corsHeaders(answer), {});
  });

  test('with server.cors: a preflight from an allowed origin is 204 with the policy', async () => {
    const gw = testGateway({ server: { cors: { allowed_origins: ['https://App.Example.com'], max_age: '1h' } } });
    const res = await gw.request('/v1/responses', { method: 'OPTIONS', headers: PREFLIGHT });
    assert.equal(res.status, 204);
    assert.deepEqual(corsHeaders(res), {
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'authorization, content-type, x-stainless-os',
      'access-control-max-age': '3600',
      vary: 'Origin, Access-Control-Request-Headers',
    });
    const answer = await gw.post('/v1/responses', BODIES['/v1/responses'], { origin: 'https://app.example.com' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(answer.headers.get('access-control-expose-headers'), 'x-request-id, retry-after, x-should-retry');
    assert.equal(answer.headers.get('vary'), 'Origin');
    // Errors get the headers too, so a page can read them.
    const error = await gw.post('/v1/responses', { model: 'nope', input: 'x' }, { origin: 'https://app.example.com' });
    assert.equal(error.status, 404);
    assert.equal(error.headers.get('access-control-allow-origin'), 'https://app.example.com');
  });

  test('with server.cors: other origins, methods and headers are refused', async () => {
    const gw = testGateway({ server: { cors: { allowed_origins: ['https://app.example.com'], allowed_methods: ['POST'], allowed_headers: ['content-type', 'authorization'] } } });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...PREFLIGHT, origin: 'https://evil.example.com' }, /origin/],
      [{ ...PREFLIGHT, origin: 'null' }, /origin/],
      [{ ...PREFLIGHT, 'access-control-request-method': 'DELETE' }, /method/],
      [PREFLIGHT, /header/],
    ];
    for (const [headers, reason] of cases) {
      const res = await gw.request('/v1/responses', { method: 'OPTIONS', headers });
      const error = await expectError(res, 403, 'cors_not_allowed');
      assert.match(error.message, reason);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
    const ok = await gw.request('/v1/responses', { method: 'OPTIONS', headers: { ...PREFLIGHT, 'access-control-request-headers': 'Content-Type' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type, authorization');
    const answer = await gw.post('/v1/responses', BODIES['/v1/responses'], { origin: 'https://evil.example.com' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('access-control-allow-origin'), null);
    assert.equal(answer.headers.get('vary'), 'Origin');
  });

  test('allowed_origins "*" answers any origin with *', async () => {
    const gw = testGateway({ server: { cors: { allowed_origins: ['*'] } } });
    const res = await gw.request('/v1/chat/completions', { method: 'OPTIONS', headers: { ...PREFLIGHT, origin: 'http://localhost:3000' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const answer = await gw.post('/v1/chat/completions', BODIES['/v1/chat/completions'], { origin: 'http://localhost:3000' });
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.equal(answer.headers.get('vary'), null);
  });

  test('probes and the metrics path have no CORS policy', async () => {
    const gw = testGateway({ server: { cors: { allowed_origins: ['*'] } } });
    for (const path of ['/health', '/ready', '/metrics']) {
      const res = await gw.request(path, { headers: { origin: 'https://app.example.com' } });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('access-control-allow-origin'), null, path);
    }
  });

  test('a streamed answer carries the headers', async () => {
    const gw = testGateway({ server: { cors: { allowed_origins: ['https://app.example.com'] } } });
    const res = await gw.post('/v1/responses', { ...BODIES['/v1/responses'], stream: true }, { origin: 'https://app.example.com' });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(await res.text(), /response\.completed/);
  });

  test('config: origins must be scheme://host[:port] or *, and a section needs at least one', () => {
    for (const bad of [{ allowed_origins: [] }, { allowed_origins: ['https://app.example.com/'] }, { allowed_origins: ['app.example.com'] }, {}, { allowed_origins: ['*'], max_age: 'soon' }, { allowed_origins: ['*'], allowed_methods: ['PO ST'] }]) {
      assert.throws(() => parseConfig({ server: { cors: bad } }), ConfigError, JSON.stringify(bad));
    }
    const config = parseConfig({ server: { cors: { allowed_origins: ['http://localhost:3000'], allowed_methods: ['post'], allowed_headers: ['Authorization'] } } });
    assert.deepEqual(config.server.cors, { allowed_origins: ['http://localhost:3000'], allowed_methods: ['POST'], allowed_headers: ['authorization'], max_age: 600_000 });
    assert.equal(parseConfig({}).server.cors, undefined);
  });
});
