import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../src/config/config-error.ts';
import { defineConfig } from '../../src/config/parse-config.ts';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import type { Script } from '../fakes/script.ts';
import { fakeProviderCases, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { sdkClient } from '../helpers/openai-client.ts';

/**
 * The time limits with short values: `timeout_ms` 5 s, so that a limit that
 * fires after 300 ms shows it does not wait for `timeout_ms`;
 * `stream_idle_timeout_ms` 300 ms; `stream_max_duration_ms` 1 s on one
 * provider. Margins are generous (+1 s): these are limits, not speeds.
 */

const IDLE_MS = 300;
const TIMEOUT_MS = 5_000;
const MAX_MS = 1_000;
const MARGIN_MS = 1_000;

const fake = new FakeUpstream();
let cases: FakeProviderCase[] = [];
let gw: TestGateway;
let tag = 0;

before(async () => {
  await fake.start();
  cases = fakeProviderCases(fake.baseUrl);
  const limits = { timeout_ms: TIMEOUT_MS, stream_idle_timeout_ms: IDLE_MS };
  gw = testGateway({
    server: { sse_keepalive: '100ms' },
    providers: {
      ...Object.fromEntries(cases.map((c) => [c.name, { ...c.config, ...limits }])),
      short: { ...cases.find((c) => c.name === 'anthropic')!.config, timeout_ms: TIMEOUT_MS, stream_idle_timeout_ms: IDLE_MS, stream_max_duration_ms: MAX_MS },
      body_timeout: { ...cases.find((c) => c.name === 'compatible')!.config, timeout_ms: 400 },
      patient: { ...cases.find((c) => c.name === 'openai')!.config, stream_idle_timeout_ms: 5_000 },
    },
  });
});
after(() => fake.stop());

function scripted(script: Script): string {
  const model = `t${++tag}`;
  fake.script(model, script);
  return model;
}

interface Timed {
  /** performance.now() when each SSE block arrived, with the block. */
  blocks: Array<{ at: number; text: string }>;
  text: string;
}

/** Reads a whole SSE body, noting when each block (event or comment) arrived. */
async function readTimed(res: Response): Promise<Timed> {
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const blocks: Timed['blocks'] = [];
  let text = '';
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = decoder.decode(value, { stream: true });
    text += chunk;
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n\n')) !== -1) {
      blocks.push({ at: performance.now(), text: pending.slice(0, end) });
      pending = pending.slice(end + 2);
    }
  }
  return { blocks, text };
}

const events = (t: Timed) => t.blocks.filter((b) => !b.text.startsWith(':')).map((b) => ({ at: b.at, json: JSON.parse(b.text.slice(b.text.indexOf('data: ') + 6)) }));
const comments = (t: Timed) => t.blocks.filter((b) => b.text.startsWith(':'));

async function metrics() {
  return parseExposition(await (await gw.request('/metrics')).text());
}

/** The gap between the last content event and the terminal one. */
function failedAfterLastData(t: Timed, isData: (json: any) => boolean): { gap: number; last: any } {
  const all = events(t);
  const lastData = all.filter((e) => isData(e.json)).at(-1);
  assert.ok(lastData, 'no data event reached the client');
  const last = all.at(-1)!;
  return { gap: last.at - lastData.at, last: last.json };
}

/** A chat-completions upstream that sends one chunk, then only `: keep-alive` comments. */
function commentOnly(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] })}\n\n`);
  const timer = setInterval(() => res.write(': keep-alive\n\n'), 50);
  res.on('close', () => clearInterval(timer));
}

describe('upstream time limits', () => {
  for (const name of ['openai', 'anthropic', 'gemini', 'compatible']) {
    test(`${name}: a stalled stream ends in response.failed within stream_idle_timeout_ms of its last data event, long before timeout_ms`, async () => {
      const model = scripted({ kind: 'text', chunks: ['a', 'b', 'c'], stallAfter: 1 });
      const timed = await readTimed(await gw.post('/v1/responses', { model: `${name}/${model}`, input: 'x', stream: true }));
      const { gap, last } = failedAfterLastData(timed, (e) => e.type === 'response.output_text.delta');
      assert.equal(last.type, 'response.failed');
      assert.equal(last.response.error.message, `Provider '${name}' sent no data for ${IDLE_MS} ms (stream_idle_timeout_ms).`);
      assert.ok(gap >= IDLE_MS - 50 && gap < IDLE_MS + MARGIN_MS, `failed ${gap} ms after the last data event`);
      await fake.waitFor((r) => r.model === model && r.closedEarly);
    });
  }

  test('a stream whose headers came at once but no event follows fails by stream_idle_timeout_ms, not timeout_ms', async () => {
    const started = performance.now();
    const timed = await readTimed(await gw.post('/v1/responses', { model: `gemini/${scripted({ kind: 'text', chunks: ['a'], stallAfter: 0 })}`, input: 'x', stream: true }));
    const last = events(timed).at(-1)!;
    assert.equal(last.json.type, 'response.failed');
    assert.match(last.json.response.error.message, /stream_idle_timeout_ms/);
    assert.ok(last.at - started < IDLE_MS + MARGIN_MS, `${last.at - started} ms`);
  });

  test('an upstream that sends only keep-alive comments is stalled: response.failed within stream_idle_timeout_ms (Responses and Chat)', async () => {
    const model = scripted({ kind: 'raw', respond: commentOnly });
    const timed = await readTimed(await gw.post('/v1/responses', { model: `compatible/${model}`, input: 'x', stream: true }));
    const { gap, last } = failedAfterLastData(timed, (e) => e.type === 'response.output_text.delta');
    assert.equal(last.type, 'response.failed');
    assert.match(last.response.error.message, /^Provider 'compatible' sent no data for 300 ms \(stream_idle_timeout_ms\)\.$/);
    assert.ok(gap < IDLE_MS + MARGIN_MS, `failed ${gap} ms after the last data event`);
    await fake.waitFor((r) => r.model === model && r.closedEarly);

    const chat = await readTimed(await gw.post('/v1/chat/completions', { model: `compatible/${model}`, messages: [{ role: 'user', content: 'x' }], stream: true }));
    const chatGap = failedAfterLastData(chat, (e) => e.choices?.[0]?.delta?.content === 'hi');
    assert.equal(chatGap.last.error.code, 'upstream_timeout');
    assert.match(chatGap.last.error.message, /stream_idle_timeout_ms/);
    assert.ok(chatGap.gap < IDLE_MS + MARGIN_MS, `failed ${chatGap.gap} ms after the last data event`);
    assert.ok(!chat.text.includes('[DONE]'));
  });

  test('stream_max_duration_ms ends a stream that keeps sending (response.failed, chat error chunk), naming the provider and the limit', async () => {
    const model = scripted({ kind: 'text', chunks: Array(60).fill('x'), chunkDelayMs: 100 });
    const started = performance.now();
    const timed = await readTimed(await gw.post('/v1/responses', { model: `short/${model}`, input: 'x', stream: true }));
    const last = events(timed).at(-1)!;
    assert.equal(last.json.type, 'response.failed');
    assert.equal(last.json.response.error.message, `The stream from provider 'short' was ended after ${MAX_MS} ms (stream_max_duration_ms).`);
    const took = last.at - started;
    assert.ok(took >= MAX_MS - 50 && took < MAX_MS + MARGIN_MS, `ended after ${took} ms`);
    assert.ok(events(timed).filter((e) => e.json.type === 'response.output_text.delta').length > 2);

    const chat = await readTimed(await gw.post('/v1/chat/completions', { model: `short/${model}`, messages: [{ role: 'user', content: 'x' }], stream: true }));
    const chatLast = events(chat).at(-1)!.json;
    assert.equal(chatLast.error.code, 'upstream_timeout');
    assert.match(chatLast.error.message, /provider 'short'.*stream_max_duration_ms/);
  });

  test('a non-streamed answer whose body stalls after the headers is limited by timeout_ms (504)', async () => {
    const model = scripted({
      kind: 'raw',
      respond: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"c1","object":"chat.completion",');
      },
    });
    const started = performance.now();
    const res = await gw.post('/v1/chat/completions', { model: `body_timeout/${model}`, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 504);
    assert.equal((await res.json()).error.message, "Provider 'body_timeout' did not answer within 400 ms (timeout_ms).");
    assert.ok(performance.now() - started < 400 + MARGIN_MS);
  });

  test('failed streams are counted by reason in gateway_stream_failures_total; http_requests_total keeps status 200', async () => {
    const before = await metrics();
    const count = (m: typeof before, path: string, reason: string) => sample(m, 'gateway_stream_failures_total', { path, reason }) ?? 0;
    await readTimed(await gw.post('/v1/responses', { model: `anthropic/${scripted({ kind: 'text', chunks: ['a', 'b'], stallAfter: 1 })}`, input: 'x', stream: true }));
    await readTimed(await gw.post('/v1/chat/completions', { model: `anthropic/${scripted({ kind: 'text', chunks: ['a', 'b'], failAfter: 1 })}`, messages: [{ role: 'user', content: 'x' }], stream: true }));
    await readTimed(await gw.post('/v1/responses', { model: `gemini/${scripted({ kind: 'text', chunks: ['a', 'b', 'c'], resetAfter: 1 })}`, input: 'x', stream: true }));
    await readTimed(await gw.post('/v1/responses', { model: `short/${scripted({ kind: 'text', chunks: Array(30).fill('x'), chunkDelayMs: 100 })}`, input: 'x', stream: true }));
    await readTimed(await gw.post('/v1/responses', { model: `openai/${scripted({ kind: 'text', chunks: ['fine'] })}`, input: 'x', stream: true }));
    const after = await metrics();
    assert.equal(count(after, '/v1/responses', 'idle_timeout') - count(before, '/v1/responses', 'idle_timeout'), 1);
    assert.equal(count(after, '/v1/chat/completions', 'upstream_error') - count(before, '/v1/chat/completions', 'upstream_error'), 1);
    assert.equal(count(after, '/v1/responses', 'upstream_error') - count(before, '/v1/responses', 'upstream_error'), 1);
    assert.equal(count(after, '/v1/responses', 'max_duration') - count(before, '/v1/responses', 'max_duration'), 1);
    const ok = (m: typeof before) => sample(m, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '200' }) ?? 0;
    assert.equal(ok(after) - ok(before), 4);
    // The series exist at 0 from start-up, so rate() and sums see them before the first failure.
    for (const path of ['/v1/responses', '/v1/chat/completions']) {
      for (const reason of ['upstream_error', 'timeout', 'idle_timeout', 'max_duration', 'too_large', 'shutdown', 'internal']) {
        assert.notEqual(sample(after, 'gateway_stream_failures_total', { path, reason }), undefined, `${path} ${reason}`);
      }
    }
    assert.deepEqual(Object.keys(after.find((s) => s.name === 'http_requests_total')!.labels).sort(), ['method', 'path', 'status']);
    const outcomes = gw.logs.filter((l) => l.msg === 'request completed' && l.path === '/v1/responses').slice(-4).map((l) => l.outcome);
    assert.deepEqual(outcomes, ['failed', 'failed', 'failed', 'completed']);
  });
});

describe('downstream keep-alive comments', () => {
  const silentModel = () => scripted({ kind: 'text', chunks: ['one', ' two', ' three'], chunkDelayMs: 700 });

  test('during upstream silence the client gets `: keep-alive` comments between whole events, and the stream arrives intact', async () => {
    const timed = await readTimed(await gw.post('/v1/responses', { model: `patient/${silentModel()}`, input: 'x', stream: true }));
    const all = events(timed);
    assert.equal(all.at(-1)!.json.type, 'response.completed');
    assert.equal(all.at(-1)!.json.response.output[0].content[0].text, 'one two three');
    assert.ok(comments(timed).length >= 3, `${comments(timed).length} comments`);
    for (const c of comments(timed)) assert.equal(c.text, ': keep-alive');
    // No silence on the wire as long as two periods.
    const gaps = timed.blocks.slice(1).map((b, i) => b.at - timed.blocks[i]!.at);
    assert.ok(Math.max(...gaps) < 2 * 100 + 150, `longest gap ${Math.max(...gaps)} ms`);
  });

  test('a busy stream gets no comments', async () => {
    const timed = await readTimed(await gw.post('/v1/responses', { model: `patient/${scripted({ kind: 'text', chunks: Array(20).fill('x'), chunkDelayMs: 20 })}`, input: 'x', stream: true }));
    assert.equal(comments(timed).length, 0);
  });

  test('the OpenAI SDK ignores the comments (Responses and Chat Completions streams)', async () => {
    const client = sdkClient(gw.gateway);
    const stream = client.responses.stream({ model: `patient/${silentModel()}`, input: 'x' });
    const final = await stream.finalResponse();
    assert.equal((final.output[0] as { content: Array<{ text: string }> }).content[0]!.text, 'one two three');
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: `patient/${silentModel()}`, messages: [{ role: 'user', content: 'x' }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'one two three');
  });

  test('with sse_keepalive 0 no comment is sent', async () => {
    const quiet = testGateway({ server: { sse_keepalive: 0, idle_timeout: 0 }, providers: { openai: cases.find((c) => c.name === 'openai')!.config } });
    const res = await quiet.post('/v1/responses', { model: `openai/${scripted({ kind: 'text', chunks: ['a', 'b'], chunkDelayMs: 400 })}`, input: 'x', stream: true });
    const text = await res.text();
    assert.ok(!text.includes(': keep-alive'));
    assert.match(text, /response\.completed/);
    await quiet.gateway.shutdown();
  });
});

describe('shutdown', () => {
  test('a stream still live at shutdown ends with response.failed, a log line and a counted failure', async () => {
    const local = testGateway({ providers: { openai: cases.find((c) => c.name === 'openai')!.config } });
    const res = await local.post('/v1/responses', { model: `openai/${scripted({ kind: 'text', chunks: Array(100).fill('x'), chunkDelayMs: 50 })}`, input: 'x', stream: true });
    const reading = readTimed(res);
    await sleep(200);
    await local.gateway.shutdown();
    const last = events(await reading).at(-1)!.json;
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.error.message, 'The gateway is shutting down.');
    const m = parseExposition(await local.gateway.metrics!.render().then((r) => r.body));
    assert.equal(sample(m, 'gateway_stream_failures_total', { path: '/v1/responses', reason: 'shutdown' }), 1);
    assert.ok(local.logs.some((l) => l.msg === 'response failed mid-stream'));
    assert.ok(local.logs.some((l) => l.msg === 'request completed' && l.outcome === 'failed'));
  });
});

describe('config', () => {
  const problems = (server: Record<string, unknown>) => {
    try {
      defineConfig({ server });
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };

  test('defaults: 15 s keep-alive, 255 s idle timeout, 30 min stream duration', () => {
    const config = defineConfig({ providers: { o: { type: 'openai', api_key: 'k' } }, models: [{ name: 'm', provider: 'o' }] });
    assert.equal(config.server.sse_keepalive, 15_000);
    assert.equal(config.server.idle_timeout, 255_000);
    assert.equal((config.providers.o as { stream_max_duration_ms: number }).stream_max_duration_ms, 1_800_000);
  });

  test('sse_keepalive must leave room before the server idle timeout; idle_timeout must be one Bun honours', () => {
    assert.deepEqual(problems({ sse_keepalive: '2s', idle_timeout: '8s' }), []);
    assert.deepEqual(problems({ sse_keepalive: 0, idle_timeout: 0 }), []);
    assert.match(problems({ sse_keepalive: '3s', idle_timeout: '8s' }).join('\n'), /^server\.sse_keepalive: got 3s with server\.idle_timeout 8s; expected more than 0 and at most \(server\.idle_timeout - 4s\) \/ 2 = 2s/);
    assert.match(problems({ sse_keepalive: 0 }).join('\n'), /^server\.sse_keepalive: /);
    assert.match(problems({ idle_timeout: '4s' }).join('\n'), /^server\.idle_timeout: got "4s"; expected 0 \(never\) or whole seconds from 8s to 255s/);
    assert.match(problems({ idle_timeout: '300s' }).join('\n'), /^server\.idle_timeout: /);
    assert.match(problems({ sse_keepalive: 'soon' }).join('\n'), /^server\.sse_keepalive: got "soon"; expected a duration/);
  });
});
