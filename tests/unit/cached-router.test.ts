import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { CachedRouter } from '../../src/http/cached-router.ts';

/** Hono's trie router, counting the matches it is asked for. */
class CountingRouter<T> implements Router<T> {
  readonly name = 'Counting';
  readonly inner = new TrieRouter<T>();
  calls = 0;
  add(method: string, path: string, handler: T): void {
    this.inner.add(method, path, handler);
  }
  match(method: string, path: string): Result<T> {
    this.calls++;
    return this.inner.match(method, path);
  }
}

function app(limit?: number) {
  const counting = new CountingRouter<never>();
  const router = new CachedRouter(counting as Router<never>, limit);
  const hono = new Hono({ router: router as never });
  hono.use('*', async (c, next) => {
    await next();
    c.res.headers.set('x-seen', 'yes');
  });
  hono.post('/v1/chat/completions', (c) => c.text('chat'));
  hono.get('/v1/responses/:id', (c) => c.text(`response ${c.req.param('id')}`));
  hono.all('/v1/chat/completions', (c) => c.text('not allowed', 405));
  return { hono, router, counting };
}

describe('cached router', () => {
  test('a static route is matched by the router once, and answered alike every time after', async () => {
    const { hono, router, counting } = app();
    for (let i = 0; i < 3; i++) {
      const res = await hono.request('/v1/chat/completions', { method: 'POST' });
      assert.equal(await res.text(), 'chat');
      assert.equal(res.headers.get('x-seen'), 'yes', 'the middleware runs on a remembered match too');
    }
    assert.equal(counting.calls, 1);
    assert.equal(router.entries, 1);
    // Another method on the same path is its own match (here the 405 route).
    const other = await hono.request('/v1/chat/completions', { method: 'DELETE' });
    assert.equal(other.status, 405);
    assert.equal(counting.calls, 2);
  });

  test('a match with parameters is never remembered: each request gets its own', async () => {
    const { hono, router, counting } = app();
    assert.equal(await (await hono.request('/v1/responses/a')).text(), 'response a');
    assert.equal(await (await hono.request('/v1/responses/b')).text(), 'response b');
    assert.equal(await (await hono.request('/v1/responses/a')).text(), 'response a');
    assert.equal(counting.calls, 3);
    assert.equal(router.entries, 0);
  });

  test('a path that only the middleware matches is not remembered', async () => {
    const { hono, router, counting } = app();
    for (let i = 0; i < 3; i++) assert.equal((await hono.request(`/nothing/here`)).status, 404);
    assert.equal(counting.calls, 3);
    assert.equal(router.entries, 0);
  });

  test('it stays within its limit however many static paths are asked for, and still answers each', async () => {
    const { hono, router } = app(8);
    for (let i = 0; i < 50; i++) hono.post(`/static/${i}`, (c) => c.text(`static ${i}`));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 50; i++) {
        assert.equal(await (await hono.request(`/static/${i}`, { method: 'POST' })).text(), `static ${i}`);
        assert.ok(router.entries <= 8, `${router.entries} entries after ${i + 1} paths`);
      }
    }
    assert.ok(router.entries > 0);
  });

  test('a route added after a match is found', async () => {
    const { hono } = app();
    assert.equal((await hono.request('/v1/models')).status, 404);
    await hono.request('/v1/chat/completions', { method: 'POST' });
    hono.get('/v1/models', (c) => c.text('models'));
    assert.equal(await (await hono.request('/v1/models')).text(), 'models');
    assert.equal(await (await hono.request('/v1/chat/completions', { method: 'POST' })).text(), 'chat');
  });
});
