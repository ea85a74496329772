import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { bodyStream, NodeTransport } from '../../src/adapters/node-transport.ts';
import { bodyPullOf, type Pull } from '../../src/streaming/pull.ts';
import { BodyTooLargeError, readCapped } from '../../src/providers/http/read-capped.ts';

/** The Node adapter's transport must behave like fetch for everything providers rely on. */
/** Three SSE events, 30 ms apart. */
async function threeEvents(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < 3; i++) {
    res.write(`data: ${i}\n\n`);
    await sleep(30);
  }
  res.end();
}

/** Everything a pull source of bytes gives, as text. */
async function pullText(source: Pull<Uint8Array>): Promise<string> {
  let text = '';
  for (let batch = await source.next(); batch !== undefined; batch = await source.next()) for (const chunk of batch) text += new TextDecoder().decode(chunk);
  return text;
}

describe('NodeTransport', () => {
  const transport = new NodeTransport();
  let server: Server;
  let base: string;
  const seen: Array<{ headers: IncomingMessage['headers']; body: string; socket: number }> = [];
  const sockets = new WeakMap<object, number>();
  let closedEarly = 0;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;

  before(async () => {
    let next = 0;
    server = createServer((req, res) => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, ++next);
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const body = Buffer.concat(parts).toString();
        seen.push({ headers: req.headers, body, socket: sockets.get(req.socket)! });
        res.on('close', () => {
          if (!res.writableFinished) closedEarly++;
        });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await transport.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (path: string, signal = new AbortController().signal, body = '{"a":1}') =>
    transport.fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'r1' }, body, signal, redirect: 'manual' });

  test('sends the body and headers; answers status, headers and body; reuses the connection', async () => {
    handler = (_req, res, body) => res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end(`{"echo":${body}}`);
    const first = await post('/a?x=1', undefined, '{"é":"ü"}');
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('x-upstream'), 'yes');
    assert.deepEqual(await first.json(), { echo: { é: 'ü' } });
    const second = await post('/b');
    await second.text();
    const [a, b] = seen.slice(-2);
    assert.equal(a!.headers['x-request-id'], 'r1');
    assert.equal(a!.headers['content-length'], String(Buffer.byteLength('{"é":"ü"}')));
    assert.equal(a!.headers['accept-encoding'], undefined, 'no compression asked for');
    assert.equal(a!.socket, b!.socket, 'keep-alive');
  });

  test('streams the body as it arrives', async () => {
    handler = threeEvents;
    const response = await post('/stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'data: 0\n\n');
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    assert.equal(rest, 'data: 1\n\ndata: 2\n\n');
  });

  test("the gateway's stream stages take the body as a pull source, with no web stream; the body cannot be read a second time", async () => {
    handler = threeEvents;
    const response = await post('/stream-pull');
    const text = await pullText(bodyPullOf(response)!);
    assert.equal(text, 'data: 0\n\ndata: 1\n\ndata: 2\n\n');
    await assert.rejects(response.body!.getReader().read(), TypeError);
    // An answer whose body was read as a stream first still gives it as a pull source (one reader).
    const read = await post('/stream-pull');
    const body = read.body!;
    const again = bodyPullOf(read)!;
    assert.ok(body.locked);
    assert.equal(await pullText(again), text);
  });

  test('abort before the answer rejects with the reason, and the upstream sees the connection close', async () => {
    handler = () => {}; // never answers
    const controller = new AbortController();
    const pending = post('/hang', controller.signal);
    await sleep(30);
    const before = closedEarly;
    controller.abort(new DOMException('client gone', 'AbortError'));
    await assert.rejects(pending, { name: 'AbortError' });
    await sleep(30);
    assert.equal(closedEarly, before + 1);
  });

  test('abort mid-body errors the stream; cancelling the body closes the connection', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('part');
    };
    const controller = new AbortController();
    const response = await post('/partial', controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    const before = closedEarly;
    controller.abort(new DOMException('client gone', 'AbortError'));
    await assert.rejects(reader.read());
    await sleep(30);
    assert.equal(closedEarly, before + 1, 'the aborted answer\'s connection closed');
    const again = await post('/partial');
    await again.body!.cancel();
    await sleep(30);
    assert.equal(closedEarly, before + 2, 'the cancelled answer\'s connection closed');
  });

  test('a consumer that cancels as the answer ends never makes the transport throw', async () => {
    handler = (req, res) => res.writeHead(200).end(req.url === '/race-small' ? 'tiny' : 'x'.repeat(100_000));
    for (let i = 0; i < 50; i++) {
      // Cancel right after the last chunk, before Node emits 'end'; and in the middle of a large answer.
      for (const path of ['/race-small', '/race']) {
        const response = await post(path);
        const reader = response.body!.getReader();
        await reader.read();
        await reader.cancel();
      }
      await sleep(0);
    }
    // An uncaught throw from a socket event would have failed the test run by now; one more normal call works.
    assert.equal((await (await post('/race')).text()).length, 100_000);
  });

  test('socket events after the consumer cancelled or the body ended are ignored, not thrown', async () => {
    // A stand-in for the IncomingMessage, so the late events can be emitted on purpose.
    const res = Object.assign(new EventEmitter(), { pause() {}, resume() {}, destroy() {}, complete: true });
    const body = bodyStream(res as unknown as IncomingMessage, new AbortController().signal);
    res.emit('data', Buffer.from('last'));
    const reader = body.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'last');
    await reader.cancel();
    res.emit('data', Buffer.from('late'));
    res.emit('end');
    res.emit('error', new Error('late'));
    res.emit('close');
  });

  test('a connection that breaks mid-answer errors the body', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 10);
    };
    const response = await post('/broken');
    await assert.rejects(response.text(), TypeError);
  });

  test('a refused connection rejects like fetch: TypeError with the code in its cause', async () => {
    await assert.rejects(
      transport.fetch('http://127.0.0.1:9/x', { method: 'POST', headers: {}, body: '', signal: new AbortController().signal, redirect: 'manual' }),
      (error: unknown) => error instanceof TypeError && (error.cause as { code?: string }).code === 'ECONNREFUSED',
    );
    await assert.rejects(transport.fetch('ftp://example/x', { method: 'POST', headers: {}, body: '', signal: new AbortController().signal, redirect: 'manual' }), TypeError);
  });

  test('a compressed answer is decoded, as fetch decodes it: gzip, deflate, br, and a list of codings', async () => {
    const text = JSON.stringify({ hello: 'wörld', pad: 'x'.repeat(10_000) });
    const encodings: Record<string, (b: Buffer) => Buffer> = {
      gzip: gzipSync,
      'x-gzip': gzipSync,
      deflate: deflateSync,
      br: brotliCompressSync,
      'deflate, gzip': (b) => gzipSync(deflateSync(b)),
    };
    for (const [coding, encode] of Object.entries(encodings)) {
      handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding }).end(encode(Buffer.from(text)));
      assert.equal(await (await post('/gz')).text(), text, coding);
    }
  });

  test('a body that claims gzip but is not errors the body (and closes the connection)', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip at all');
    await assert.rejects((await post('/bad-gz')).text(), TypeError);
  });

  test('a redirect is answered as it is, not followed', async () => {
    const before = seen.length;
    handler = (req, res) => {
      if (req.url === '/moved') res.writeHead(307, { location: `${base}/target` }).end();
      else res.writeHead(200).end('followed');
    };
    const response = await post('/moved');
    assert.equal(response.status, 307);
    await response.body?.cancel();
    await sleep(30);
    assert.deepEqual(seen.slice(before).map((s) => s.body), ['{"a":1}'], 'one request: nothing sent to the Location');
  });

  test('shutdown() closes the pooled keep-alive connections, and can be called twice', async () => {
    const own = new NodeTransport();
    handler = (_req, res) => res.writeHead(200).end('ok');
    const closed = new Promise<void>((resolve) => server.once('connection', (socket) => socket.once('close', () => resolve())));
    await (await own.fetch(`${base}/pooled`, { method: 'POST', headers: {}, body: '', signal: new AbortController().signal, redirect: 'manual' })).text();
    await own.shutdown();
    await own.shutdown();
    // The server keeps idle connections for 5 s: only the transport closing its pool ends this one sooner.
    await Promise.race([closed, sleep(2_000).then(() => assert.fail('the pooled connection stayed open'))]);
  });
  test('readCapped reads a non-streamed answer from the socket, within its cap, without a web stream', async () => {
    const text = JSON.stringify({ pad: 'é'.repeat(5_000) });
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    const answer = await post('/capped');
    assert.equal(typeof (answer as unknown as { readText?: unknown }).readText, 'function');
    assert.equal(await readCapped(answer, 1_000_000), text);
    // A byte-order mark is dropped, as fetch's text() drops it.
    handler = (_req, res) => res.writeHead(200).end('\ufeff{"a":1}');
    assert.equal(await readCapped(await post('/bom'), 100), '{"a":1}');
    // A gzip answer is capped on its decoded bytes.
    handler = (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.from('x'.repeat(50_000))));
    await assert.rejects(readCapped(await post('/gz-big'), 10_000), BodyTooLargeError);
  });

  test('over the cap: a declared length is refused unread, a chunked body is cut at the cap; the connection is closed', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-length': '100000' }).end('y'.repeat(100_000));
    await assert.rejects(readCapped(await post('/declared-big'), 1_000), (error: unknown) => error instanceof BodyTooLargeError && error.limit === 1_000);
    const early = closedEarly;
    handler = (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('z'.repeat(1_000)), 1);
      res.on('close', () => clearInterval(timer));
    };
    await assert.rejects(readCapped(await post('/chunked-big'), 20_000), BodyTooLargeError);
    for (let i = 0; i < 100 && closedEarly === early; i++) await sleep(10);
    assert.ok(closedEarly > early, 'the endless answer was cut off');
  });

  test('a body taken after readText is not needed: body still streams when asked for first', async () => {
    handler = (_req, res) => res.writeHead(200).end('streamed');
    const answer = await post('/body-first');
    const reader = answer.body!.getReader();
    let out = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += new TextDecoder().decode(r.value);
    assert.equal(out, 'streamed');
  });
});
