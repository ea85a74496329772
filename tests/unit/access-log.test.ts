import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfigText } from '../../src/config/parse-config.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';

const completed = (logs: Array<Record<string, any>>) => logs.filter((l) => l.msg === 'request completed');

describe('logging.sample_rate', () => {
  test('defaults to 1 and accepts 0 to 1', () => {
    assert.equal(parseConfigText('{}', {}, 'test.yaml').logging.sample_rate, 1);
    assert.equal(parseConfigText('logging:\n  sample_rate: 0.25\n', {}, 'test.yaml').logging.sample_rate, 0.25);
    assert.equal(parseConfigText('logging:\n  sample_rate: 0\n', {}, 'test.yaml').logging.sample_rate, 0);
  });

  test('a value outside 0..1 or not a number is refused with what to write', () => {
    for (const value of ['1.5', '-0.1', '"half"']) {
      assert.throws(
        () => parseConfigText(`logging:\n  sample_rate: ${value}\n`, {}, 'test.yaml'),
        (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('logging.sample_rate: got') && p.includes('expected a number from 0 to 1')),
        value,
      );
    }
  });

  test('at 0, successful requests write no access line, while 4xx, 5xx and cancelled ones still do', async () => {
    const gw = testGateway({ ...MOCK_MODELS, logging: { sample_rate: 0 } });
    assert.equal((await gw.post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'x' }] })).status, 200);
    assert.equal((await gw.request('/health')).status, 200);
    assert.equal((await gw.post('/v1/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'x' }] })).status, 404);
    assert.equal((await gw.post('/v1/chat/completions', '{')).status, 400);
    // A stream the client cancels.
    const res = await gw.post('/v1/responses', { model: 'slow', input: 'x', stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 100 && completed(gw.logs).length < 3; i++) await sleep(10);
    assert.deepEqual(
      completed(gw.logs).map((l) => [l.status, l.outcome]),
      [
        [404, 'completed'],
        [400, 'completed'],
        [200, 'cancelled'],
      ],
    );
    // Other lines are not sampled.
    assert.ok(gw.logs.some((l) => l.msg === 'response generated'));
  });

  test('a failed stream is always logged', async () => {
    const gw = testGateway({ ...MOCK_MODELS, logging: { sample_rate: 0 } });
    await (await gw.post('/v1/responses', { model: 'failing', input: 'x', stream: true })).text();
    for (let i = 0; i < 100 && completed(gw.logs).length < 1; i++) await sleep(10);
    assert.deepEqual(completed(gw.logs).map((l) => [l.status, l.outcome]), [[200, 'failed']]);
  });

  test('at 0.5, about half of the successful requests are logged; at 1, all of them', async () => {
    const half = testGateway({ ...MOCK_MODELS, logging: { sample_rate: 0.5 } });
    const all = testGateway({ ...MOCK_MODELS });
    for (let i = 0; i < 400; i++) {
      await (await half.request('/health')).text();
      await (await all.request('/health')).text();
    }
    const written = completed(half.logs).length;
    // Binomial(400, 0.5): outside 140..260 has a probability below 1e-9.
    assert.ok(written > 140 && written < 260, `${written} of 400 written`);
    assert.equal(completed(all.logs).length, 400);
  });
});

describe('log lines', () => {
  test('a JSON line holds time, level, msg, then the fields in order, leaving out undefined ones', () => {
    const out: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', sink: (line) => out.push(line), now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    logger.info('request completed', { a: 'x"\n\u2028', b: undefined, c: 1.5, d: Number.NaN, e: true, f: null, 'g h': [1, { i: 'j' }], error: new Error('boom', { cause: new Error('why') }) });
    assert.equal(out.length, 1);
    const record = JSON.parse(out[0]!);
    assert.deepEqual(Object.keys(record), ['time', 'level', 'msg', 'a', 'c', 'd', 'e', 'f', 'g h', 'error']);
    assert.deepEqual(record, {
      time: '2026-01-02T03:04:05.006Z',
      level: 'INFO',
      msg: 'request completed',
      a: 'x"\n\u2028',
      c: 1.5,
      d: null,
      e: true,
      f: null,
      'g h': [1, { i: 'j' }],
      error: { name: 'Error', message: 'boom', cause: 'why' },
    });
  });

  test("a field cannot replace the line's own time, level or message; each line has its own clock reading", () => {
    const out: string[] = [];
    let clock = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const logger = createLogger({ level: 'info', format: 'json', sink: (line) => out.push(line), now: () => clock });
    logger.info('real', { time: 'forged', level: 'DEBUG', msg: 'forged', keep: 1 });
    logger.info('same millisecond');
    clock += 1;
    logger.info('next millisecond', {});
    const [first, second, third] = out.map((line) => JSON.parse(line));
    assert.deepEqual(first, { time: '2026-01-02T03:04:05.006Z', level: 'INFO', msg: 'real', keep: 1 });
    assert.equal(second.time, '2026-01-02T03:04:05.006Z');
    assert.deepEqual(third, { time: '2026-01-02T03:04:05.007Z', level: 'INFO', msg: 'next millisecond' });
  });

  test('the access line carries every documented field', async () => {
    const gw = testGateway(MOCK_MODELS);
    await (await gw.post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'x' }] }, { 'x-request-id': 'acc-1' })).text();
    const line = completed(gw.logs)[0]!;
    assert.deepEqual(Object.keys(line), ['time', 'level', 'msg', 'request_id', 'method', 'path', 'route', 'status', 'principal', 'outcome', 'duration_ms']);
    assert.equal(line.request_id, 'acc-1');
    assert.equal(line.route, '/v1/chat/completions');
    assert.equal(typeof line.duration_ms, 'number');
  });
});
