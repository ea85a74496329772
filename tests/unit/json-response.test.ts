import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { jsonResponse } from '../../src/core/json-response.ts';
import { RequestScope } from '../../src/core/request-scope.ts';
import { utf8Length } from '../../src/core/utf8-length.ts';

describe('jsonResponse', () => {
  test('Content-Length is the byte length of the body sent, for any JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = jsonResponse({ value });
        const bytes = new Uint8Array(await res.arrayBuffer());
        assert.equal(res.headers.get('content-length'), String(bytes.byteLength));
        assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), JSON.parse(JSON.stringify({ value })));
      }),
      { numRuns: 200 },
    );
  });

  test('utf8Length counts as TextEncoder does, surrogate pairs included', () => {
    for (const text of ['', 'plain', 'héllo', '€', '😀', 'a😀b€c', '\u0800', '\uffff']) assert.equal(utf8Length(text), new TextEncoder().encode(text).byteLength, text);
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => utf8Length(text) === new TextEncoder().encode(text).byteLength));
  });

  test("with the request's scope it carries the headers the request context adds, and is the scope's answer", () => {
    const scope = new RequestScope('req-1', () => {});
    scope.responseHeaders = { 'x-ratelimit-limit-requests': '10' };
    const res = jsonResponse({ ok: true }, 200, [['x-gateway-provider', 'p']], scope);
    assert.equal(scope.answer, res);
    assert.equal(scope.responseLength, res.headers.get('content-length'));
    assert.equal(res.headers.get('x-request-id'), 'req-1');
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), '10');
    assert.equal(res.headers.get('x-gateway-provider'), 'p');
    assert.equal(res.headers.get('content-type'), 'application/json');
  });
});
