import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MOCK_MODELS } from '../helpers/in-memory-gateway.ts';
import { WsSession } from '../helpers/responses-ws.ts';
import { wsTestGateway, type WsTestGateway } from '../helpers/ws-gateway.ts';

describe('Responses WebSocket mode', () => {
  let g: WsTestGateway;
  before(async () => {
    g = await wsTestGateway({ ...MOCK_MODELS, server: { max_request_body_size: '4KiB', websocket: { max_queued_messages: 2, max_cached_responses: 2 } } });
  });
  after(() => g.close());

  const session = async () => {
    const s = new WsSession(g.baseURL);
    await s.opened();
    return s;
  };

  test('turns produce the SSE events as JSON; store: false continues from the connection, not the store', async () => {
    const s = await session();
    const first = await s.turn({ model: 'mock', input: 'hello', store: false });
    assert.deepEqual(first.events.map((e) => e.type).slice(0, 2), ['response.created', 'response.in_progress']);
    assert.equal(first.last.type, 'response.completed');
    assert.deepEqual(first.events.map((e) => e.sequence_number), first.events.map((_, i) => i));
    assert.equal(await g.gateway.store.get({ owner: 'anonymous', context: undefined }, first.last.response.id), undefined);
    const second = await s.turn({ model: 'mock', input: 'again', store: false, previous_response_id: first.last.response.id });
    assert.equal(second.last.type, 'response.completed');
    // The mock counts the words it saw: the earlier turn's input and output came along.
    assert.ok(second.last.response.usage.input_tokens > first.last.response.usage.input_tokens);
    // Another connection has no such state.
    const other = await session();
    const refused = await other.turn({ model: 'mock', input: 'x', previous_response_id: first.last.response.id });
    assert.deepEqual(refused.last, {
      type: 'error',
      status: 400,
      error: { type: 'invalid_request_error', code: 'previous_response_not_found', message: `Previous response with id '${first.last.response.id}' not found.`, param: 'previous_response_id' },
    });
    await s.close();
    await other.close();
  });

  test('a failed continuation evicts what it continued from', async () => {
    const s = await session();
    const first = await s.turn({ model: 'mock', input: 'hello', store: false });
    const failed = await s.turn({ model: 'nope', input: 'x', store: false, previous_response_id: first.last.response.id });
    assert.equal(failed.last.status, 404);
    const after = await s.turn({ model: 'mock', input: 'x', store: false, previous_response_id: first.last.response.id });
    assert.equal(after.last.error.code, 'previous_response_not_found');
    await s.close();
  });

  test('the cache per connection is bounded; stored responses continue through the store', async () => {
    const s = await session();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.turn({ model: 'mock', input: `n${i}`, store: false })).last.response.id);
    assert.equal((await s.turn({ model: 'mock', input: 'x', previous_response_id: ids[0] })).last.error.code, 'previous_response_not_found');
    assert.equal((await s.turn({ model: 'mock', input: 'x', previous_response_id: ids[2] })).last.type, 'response.completed');
    const stored = (await s.turn({ model: 'mock', input: 'kept' })).last.response.id;
    const other = await session();
    assert.equal((await other.turn({ model: 'mock', input: 'x', previous_response_id: stored })).last.type, 'response.completed');
    await s.close();
    await other.close();
  });

  test('one turn at a time, in order; a full queue gets an error envelope', async () => {
    const s = await session();
    for (let i = 0; i < 4; i++) s.send({ type: 'response.create', model: 'slow', input: `turn ${i}`, max_output_tokens: 8 });
    const answers = [await s.next(), await s.next(), await s.next(), await s.next()];
    // The fourth message found the running turn and two queued ones: refused at once, before any turn ended.
    assert.equal(answers[0]!.last.type, 'error');
    assert.equal(answers[0]!.last.error.code, 'websocket_queue_full');
    const texts = answers.slice(1).map((a) => (a.last.response.output[0].content[0].text as string).split(' ').slice(0, 3).join(' '));
    assert.deepEqual(texts, ['Echo: turn 0', 'Echo: turn 1', 'Echo: turn 2']);
    // Never interleaved: each turn's events are contiguous.
    const created = s.all.filter((e) => e.type === 'response.created').length;
    assert.equal(created, 3);
    await s.close();
  });

  test('garbage gets error envelopes, and the connection stays usable', async () => {
    const s = await session();
    const cases: Array<[string | Buffer, number, string]> = [
      ['not json', 400, 'invalid_json'],
      ['[1,2]', 400, 'invalid_type'],
      ['{"type":"response.cancel"}', 400, 'invalid_value'],
      [Buffer.from([1, 2, 3]), 400, 'invalid_value'],
      [JSON.stringify({ type: 'response.create', model: 'mock', input: 'x'.repeat(5000) }), 413, 'request_too_large'],
      [JSON.stringify({ type: 'response.create', model: 'mock', input: 'x', colour: 'blue' }), 400, 'unknown_parameter'],
      [JSON.stringify({ type: 'response.create', model: 'mock', input: 'x', background: true }), 400, ''],
    ];
    for (const [data, status, code] of cases) {
      s.sendRaw(data);
      const { last } = await s.next();
      assert.equal(last.type, 'error', String(data).slice(0, 40));
      assert.equal(last.status, status, String(data).slice(0, 40));
      if (code) assert.equal(last.error.code, code, String(data).slice(0, 40));
    }
    assert.equal((await s.turn({ model: 'mock', input: 'still here' })).last.type, 'response.completed');
    await s.close();
  });

  test('the connection is one request in metrics and in the access log', async () => {
    const s = await session();
    await s.turn({ model: 'mock', input: 'one' });
    await s.turn({ model: 'mock', input: 'two' });
    await s.close();
    await sleep(100);
    const text = await g.gateway.metrics!.registry.metrics();
    assert.match(text, /http_requests_total\{method="GET",path="\/v1\/responses",status="101"\} \d+/);
    const closed = g.logs.filter((l) => l.msg === 'request completed' && l.path === '/v1/responses' && l.status === 101);
    assert.ok(closed.length >= 1);
    const last = closed.at(-1)!;
    assert.equal(g.logs.filter((l) => l.msg === 'response generated' && l.request_id === last.request_id).length, 2);
  });

  test('a plain GET is 426; the handshake passes the request hooks', async () => {
    const res = await fetch(`${g.baseURL}/responses`);
    assert.equal(res.status, 426);
    assert.equal((await res.json()).error.code, 'websocket_upgrade_required');
  });
});

describe('Responses WebSocket limits', () => {
  test('idle connections close; the connection limit sends websocket_connection_limit_reached and closes', async () => {
    const g = await wsTestGateway({ ...MOCK_MODELS, server: { websocket: { idle_timeout: '300ms', max_connection_duration: '1500ms' } } });
    try {
      const idle = new WsSession(g.baseURL);
      await idle.opened();
      assert.equal((await idle.whenClosed()).code, 1000);

      const busy = new WsSession(g.baseURL);
      await busy.opened();
      // Kept busy (never idle) until the duration limit.
      const deadline = Date.now() + 5_000;
      let limit: Record<string, any> | undefined;
      while (!limit && Date.now() < deadline) {
        const { last } = await busy.turn({ model: 'mock', input: 'tick' }).catch(() => ({ last: busy.all.at(-1)! }));
        if (last.type === 'error') limit = last;
        else await sleep(100);
      }
      assert.equal(limit?.status, 400);
      assert.equal(limit?.error.code, 'websocket_connection_limit_reached');
      assert.equal((await busy.whenClosed()).code, 1000);
    } finally {
      await g.close();
    }
  });

  test('max_connections refuses the handshake with 503; shutdown closes connections with 1001', async () => {
    const g = await wsTestGateway({ ...MOCK_MODELS, server: { websocket: { max_connections: 1 } } });
    try {
      const first = new WsSession(g.baseURL);
      await first.opened();
      const second = new WsSession(g.baseURL);
      await assert.rejects(second.opened(), /503/);
      const drained = g.gateway.drain(2_000);
      assert.equal((await first.whenClosed()).code, 1001);
      assert.equal(await drained, true);
    } finally {
      await g.close();
    }
  });

  test('each message is told to the adapter (bodyRead) with its UTF-8 size, for its collections after large bodies', async () => {
    const sizes: number[] = [];
    const own = await wsTestGateway(MOCK_MODELS, { bodyRead: (bytes) => sizes.push(bytes) });
    try {
      const s = new WsSession(own.baseURL);
      await s.opened();
      const message = { type: 'response.create', model: 'mock', input: 'héllo', store: false };
      assert.equal((await s.turn({ model: 'mock', input: 'héllo', store: false })).last.type, 'response.completed');
      assert.deepEqual(sizes, [new TextEncoder().encode(JSON.stringify(message)).byteLength]);
      await s.close();
    } finally {
      await own.close();
    }
  });
});
