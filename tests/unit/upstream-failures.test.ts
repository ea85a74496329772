import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { parseConfigText } from '../../src/config/parse-config.ts';
import { createGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import type { Script } from '../fakes/script.ts';
import { fakeProviderCases, providersOf, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { sdkClient } from '../helpers/openai-client.ts';
import { parseResponseEvents, parseSse } from '../helpers/sse.ts';

const fake = new FakeUpstream();
let cases: FakeProviderCase[] = [];
let gw: TestGateway;
let tag = 0;

before(async () => {
  await fake.start();
  cases = fakeProviderCases(fake.baseUrl);
  const fast = { timeout_ms: 300, stream_idle_timeout_ms: 200 };
  gw = testGateway({
    providers: {
      ...providersOf(cases),
      ...Object.fromEntries(cases.map((c) => [`${c.name}_fast`, { ...c.config, ...fast }])),
      unreachable: { type: 'openai_compatible', base_url: 'http://127.0.0.1:1/v1' },
    },
    models: [{ name: 'claude', provider: 'anthropic', provider_model_id: 'claude-upstream' }],
  });
});
after(() => fake.stop());

/** A fresh upstream model id with this script, so tests do not share replies. */
function scripted(script: Script): string {
  const model = `m${++tag}`;
  fake.script(model, script);
  return model;
}

async function expectError(res: Response, status: number, check: { type: string; code: string | null; message: RegExp }) {
  assert.equal(res.status, status);
  const body = await res.json();
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.type, check.type);
  assert.equal(body.error.code, check.code);
  assert.match(body.error.message, check.message);
  return body.error;
}

const PROTOCOL_NAMES = ['openai', 'openai_chat', 'azure', 'anthropic', 'gemini', 'compatible'];

describe('upstream error statuses become OpenAI-shaped errors', () => {
  for (const name of PROTOCOL_NAMES) {
    test(`${name}: 400, 401, 429, 500, 503, streamed and not`, async () => {
      const c = cases.find((x) => x.name === name)!;
      for (const stream of [false, true]) {
        const post = (script: Script) => gw.post('/v1/responses', { model: `${name}/${scripted(script)}`, input: 'x', stream });

        const bad = await post({ kind: 'error', status: 400, message: "Invalid 'temperature'." });
        await expectError(bad, 400, { type: 'invalid_request_error', code: null, message: new RegExp(`^Provider '${name}' rejected the request: Invalid 'temperature'\\.$`) });
        assert.equal(bad.headers.get('x-should-retry'), 'false');

        // The upstream echoes the key it was given: the client must not see it.
        const auth = await post({ kind: 'error', status: 401, message: `Incorrect API key provided: ${c.key}.` });
        const authError = await expectError(auth, 502, { type: 'server_error', code: 'upstream_error', message: /refused the gateway's credentials \(HTTP 401\)/ });
        assert.ok(!authError.message.includes(c.key), authError.message);
        assert.match(authError.message, /\[redacted\]/);
        assert.equal(auth.headers.get('x-should-retry'), 'false');

        const limited = await post({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
        await expectError(limited, 429, { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: new RegExp(`Provider '${name}' is rate limiting`) });
        assert.equal(limited.headers.get('retry-after'), '7');

        await expectError(await post({ kind: 'error', status: 500 }), 502, { type: 'server_error', code: 'upstream_error', message: new RegExp(`^Provider '${name}' failed \\(HTTP 500\\)`) });
        const overloaded = await post({ kind: 'error', status: 503, headers: { 'retry-after': '2' } });
        await expectError(overloaded, 503, { type: 'server_error', code: 'upstream_overloaded', message: /overloaded or unavailable \(HTTP 503\)/ });
        assert.equal(overloaded.headers.get('retry-after'), '2');
      }
    });
  }

  test("anthropic 529 (overloaded) is a 503, with Anthropic's message", async () => {
    const res = await gw.post('/v1/responses', { model: `anthropic/${scripted({ kind: 'error', status: 529, message: 'Overloaded' })}`, input: 'x' });
    await expectError(res, 503, { type: 'server_error', code: 'upstream_overloaded', message: /^Provider 'anthropic' is overloaded or unavailable \(HTTP 529\): Overloaded$/ });
  });

  test('a body that is not JSON, and an unreachable upstream, are 502s', async () => {
    const text = await gw.post('/v1/responses', { model: `openai_chat/${scripted({ kind: 'error', status: 502, body: undefined, message: 'x' })}`, input: 'x' });
    await expectError(text, 502, { type: 'server_error', code: 'upstream_error', message: /failed \(HTTP 502\)/ });
    const res = await gw.post('/v1/responses', { model: 'unreachable/any', input: 'x' });
    await expectError(res, 502, { type: 'server_error', code: 'upstream_error', message: /^The connection to provider 'unreachable' failed: fetch failed/ });
  });

  test('the OpenAI SDK sees the right error classes', async () => {
    const client = sdkClient(gw.gateway);
    await assert.rejects(client.responses.create({ model: `gemini/${scripted({ kind: 'error', status: 429 })}`, input: 'x' }), OpenAI.RateLimitError);
    await assert.rejects(client.chat.completions.create({ model: `anthropic/${scripted({ kind: 'error', status: 400 })}`, messages: [{ role: 'user', content: 'x' }] }), OpenAI.BadRequestError);
    await assert.rejects(client.responses.stream({ model: `openai/${scripted({ kind: 'error', status: 500 })}`, input: 'x' }).finalResponse(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 502);
      return true;
    });
  });
});

describe('failures after the first byte', () => {
  for (const name of PROTOCOL_NAMES) {
    test(`${name}: an upstream error event ends the stream with response.failed (chat: an error chunk, no [DONE])`, async () => {
      const model = `${name}/${scripted({ kind: 'text', chunks: ['a', 'b', 'c', 'd'], failAfter: 2 })}`;
      const events = parseResponseEvents(await (await gw.post('/v1/responses', { model, input: 'x', stream: true })).text());
      assert.equal(events.filter((e) => e.type === 'response.output_text.delta').length, 2);
      const last = events.at(-1)!;
      assert.equal(last.type, 'response.failed');
      assert.equal(last.response.status, 'failed');
      assert.equal(last.response.error.code, 'server_error');
      assert.match(last.response.error.message, new RegExp(`Provider '${name}'`));
      assert.equal(last.response.output[0].status, 'incomplete');
      assert.equal(events.filter((e) => ['response.completed', 'response.failed', 'response.incomplete'].includes(e.type)).length, 1);

      const chat = parseSse(await (await gw.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'x' }], stream: true })).text());
      const final = JSON.parse(chat.at(-1)!.data);
      assert.match(final.error.message, new RegExp(`Provider '${name}'`));
      assert.ok(!chat.some((m) => m.data === '[DONE]'));
    });
  }

  test('the OpenAI SDK raises the error chunk of a failed chat stream as an APIError', async () => {
    const stream = await sdkClient(gw.gateway).chat.completions.create({
      model: `anthropic/${scripted({ kind: 'text', chunks: ['a', 'b', 'c'], failAfter: 1 })}`,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.match(error.message, /overloaded or unavailable/);
        return true;
      },
    );
    assert.deepEqual(seen, ['', 'a']);
  });

  test('a connection reset mid-stream is response.failed naming the provider', async () => {
    const events = parseResponseEvents(await (await gw.post('/v1/responses', { model: `gemini/${scripted({ kind: 'text', chunks: ['a', 'b', 'c'], resetAfter: 1 })}`, input: 'x', stream: true })).text());
    const last = events.at(-1)!;
    assert.equal(last.type, 'response.failed');
    assert.match(last.response.error.message, /^The connection to provider 'gemini' failed/);
  });
});

describe('time limits', () => {
  test('timeout_ms: an upstream slow to answer is a 504 JSON error, streamed or not, and the upstream request is aborted', async () => {
    for (const stream of [false, true]) {
      const model = scripted({ kind: 'text', chunks: ['late'], ttfbMs: 1_500 });
      const started = Date.now();
      const res = await gw.post('/v1/responses', { model: `anthropic_fast/${model}`, input: 'x', stream });
      await expectError(res, 504, { type: 'server_error', code: 'upstream_timeout', message: /^Provider 'anthropic_fast' did not answer within 300 ms \(timeout_ms\)\.$/ });
      assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
      await fake.waitFor((r) => r.model === model && r.closedEarly);
    }
  });

  test('stream_idle_timeout_ms, not timeout_ms, covers the first event of a stream whose headers came at once', async () => {
    const events = parseResponseEvents(await (await gw.post('/v1/responses', { model: `gemini_fast/${scripted({ kind: 'text', chunks: ['a'], stallAfter: 0 })}`, input: 'x', stream: true })).text());
    const last = events.at(-1)!;
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.error.message, "Provider 'gemini_fast' sent no data for 200 ms (stream_idle_timeout_ms).");
  });

  for (const name of ['openai', 'openai_chat', 'anthropic', 'gemini']) {
    test(`${name}: stream_idle_timeout_ms: a stall mid-stream ends in response.failed (chat: an error chunk) and aborts the upstream`, async () => {
      const model = scripted({ kind: 'text', chunks: ['a', 'b', 'c'], stallAfter: 1 });
      const started = Date.now();
      const events = parseResponseEvents(await (await gw.post('/v1/responses', { model: `${name}_fast/${model}`, input: 'x', stream: true })).text());
      assert.ok(Date.now() - started < 1_500);
      const last = events.at(-1)!;
      assert.equal(last.type, 'response.failed');
      assert.equal(last.response.error.message, `Provider '${name}_fast' sent no data for 200 ms (stream_idle_timeout_ms).`);
      assert.equal(last.response.output[0].content[0].text, 'a');
      await fake.waitFor((r) => r.model === model && r.closedEarly);

      const chat = parseSse(await (await gw.post('/v1/chat/completions', { model: `${name}_fast/${model}`, messages: [{ role: 'user', content: 'x' }], stream: true })).text());
      assert.deepEqual(JSON.parse(chat.at(-1)!.data).error.code, 'upstream_timeout');
    });
  }
});

describe('cancellation reaches the upstream', () => {
  test('a client that disconnects from a stream closes the upstream request', async () => {
    const model = scripted({ kind: 'text', chunks: Array(50).fill('x'), chunkDelayMs: 20 });
    const res = await gw.post('/v1/responses', { model: `anthropic/${model}`, input: 'x', stream: true });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('output_text.delta')) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const recorded = await fake.waitFor((r) => r.model === model && r.closedEarly, 1_000);
    assert.ok(recorded.closedEarly);
  });

  test('a client that leaves while a non-streamed answer is generated aborts the upstream request', async () => {
    const model = scripted({ kind: 'text', chunks: ['slow'], ttfbMs: 3_000 });
    const controller = new AbortController();
    const pending = gw.gateway.fetch(
      new Request('http://gateway.test/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: `gemini/${model}`, messages: [{ role: 'user', content: 'x' }] }),
        signal: controller.signal,
      }),
    );
    await fake.waitFor((r) => r.model === model);
    controller.abort();
    await fake.waitFor((r) => r.model === model && r.closedEarly, 1_000);
    assert.equal((await pending).status, 499);
  });
});

describe('headers every upstream request carries', () => {
  test("the call's headers (x-request-id, and trace context once tracing adds it) reach the upstream beside the provider's own", async () => {
    const model = scripted({ kind: 'text', chunks: ['ok'] });
    for (const c of cases) {
      const provider = gw.gateway.providers.get(c.name)!;
      const call = { signal: new AbortController().signal, headers: { 'x-request-id': `direct-${c.name}`, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
      const request = { model, instructions: null, input: [{ type: 'message' as const, id: '', role: 'user' as const, status: 'completed' as const, content: [{ type: 'input_text' as const, text: 'x' }] }], tools: [], tool_choice: 'auto' as const, parallel_tool_calls: true, temperature: null, top_p: null, max_output_tokens: null, text: { format: { type: 'text' as const } }, reasoning: null, user: null };
      await provider.generate(request, call);
      const events = await provider.stream(request, call);
      for await (const _ of events);
      for (const recorded of fake.requestsFor(model).slice(-2)) {
        assert.equal(recorded.headers['x-request-id'], `direct-${c.name}`);
        assert.equal(recorded.headers.traceparent, call.headers.traceparent);
        assert.equal(recorded.headers[c.auth[0]], c.auth[1]);
      }
    }
  });

  test('configured extra headers are sent too', async () => {
    const { post } = testGateway({ providers: { p: { type: 'openai_compatible', base_url: `${fake.baseUrl}/v1`, headers: { 'http-referer': 'https://example.test' } } }, models: [{ name: 'm', provider: 'p', provider_model_id: 'with-headers' }] });
    await post('/v1/responses', { model: 'm', input: 'x' });
    const recorded = fake.last('with-headers');
    assert.equal(recorded.headers['http-referer'], 'https://example.test');
    assert.equal(recorded.headers.authorization, undefined, 'no key configured, no Authorization header');
  });
});

describe('routing', () => {
  test('provider/model routes to that provider with the model id; unknown providers and models are 404', async () => {
    const body = await (await gw.post('/v1/responses', { model: 'anthropic/claude-x-1', input: 'x' })).json();
    assert.equal(body.model, 'anthropic/claude-x-1');
    assert.equal(fake.last('claude-x-1').path, '/v1/messages');
    for (const model of ['nobody/claude-x-1', 'anthropic/', '/x', 'claude-x-1']) {
      await expectError(await gw.post('/v1/responses', { model, input: 'x' }), 404, { type: 'invalid_request_error', code: 'model_not_found', message: /does not exist/ });
      await expectError(await gw.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'x' }] }), 404, { type: 'invalid_request_error', code: 'model_not_found', message: /does not exist/ });
    }
  });

  test('metrics label direct routes with model "unknown", configured ones with their name', async () => {
    await gw.post('/v1/responses', { model: 'anthropic/one-invented-name', input: 'x' });
    await gw.post('/v1/responses', { model: 'anthropic/another-invented-name', input: 'x' });
    await gw.post('/v1/responses', { model: 'claude', input: 'x' });
    const samples = parseExposition(await (await gw.request('/metrics')).text());
    const requests = (model: string) => sample(samples, 'provider_requests_total', { provider: 'anthropic', model, operation: 'generate', status: 'success' });
    assert.ok(requests('unknown')! >= 2);
    assert.equal(requests('claude'), 1);
    assert.ok(!samples.some((s) => s.labels.model?.includes('invented')));
    assert.equal(sample(samples, 'provider_tokens_total', { provider: 'anthropic', model: 'claude', type: 'output' }), 7);
  });

  test('GET /v1/models lists configured names with owned_by = provider', async () => {
    const body = await (await gw.request('/v1/models')).json();
    assert.deepEqual(body.data.map((m: any) => [m.id, m.owned_by]), [['claude', 'anthropic']]);
  });
});

describe('a provider whose api_key resolves empty', () => {
  test('is disabled with a start-up warning naming it, and its models answer 503', async () => {
    const logs: Array<Record<string, any>> = [];
    const config = parseConfigText('providers:\n  openai:\n    type: openai\n    api_key: ${OPENAI_API_KEY}\nmodels:\n  - name: gpt\n    provider: openai\n', {});
    const gateway = createGateway(config, { logger: createLogger({ level: 'info', format: 'json', sink: (line) => logs.push(JSON.parse(line)) }) });
    const warning = logs.find((l) => l.msg === 'provider disabled')!;
    assert.equal(warning.level, 'WARN');
    assert.equal(warning.provider, 'openai');
    assert.match(warning.reason, /api_key is empty/);
    for (const path of ['/v1/responses', '/v1/chat/completions']) {
      const res = await gateway.fetch(new Request(`http://gateway.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(path.endsWith('responses') ? { model: 'gpt', input: 'x', stream: true } : { model: 'gpt', messages: [{ role: 'user', content: 'x' }], stream: true }) }));
      await expectError(res, 503, { type: 'server_error', code: 'provider_disabled', message: /^Provider 'openai' is disabled: its api_key is empty/ });
      assert.equal(res.headers.get('x-should-retry'), 'false');
    }
  });
});

describe('input an upstream cannot express', () => {
  test('is a 400 naming the parameter, and nothing is sent upstream', async () => {
    const before = fake.requests.length;
    const stop = await gw.post('/v1/chat/completions', { model: 'openai/any', messages: [{ role: 'user', content: 'x' }], stop: ['END'] });
    assert.equal((await expectError(stop, 400, { type: 'invalid_request_error', code: 'unsupported_value', message: /`stop` is not supported by openai \(api: responses\) providers/ })).param, 'stop');
    const byFile = await gw.post('/v1/responses', { model: 'anthropic/any', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] });
    assert.equal((await expectError(byFile, 400, { type: 'invalid_request_error', code: 'unsupported_value', message: /file_id is not supported by anthropic providers/ })).param, 'input[0].content[0]');
    const orphan = await gw.post('/v1/responses', { model: 'gemini/any', input: [{ type: 'function_call_output', call_id: 'call_nowhere', output: 'x' }], stream: true });
    assert.equal((await expectError(orphan, 400, { type: 'invalid_request_error', code: 'invalid_value', message: /No function_call with call_id 'call_nowhere'/ })).param, 'input[0].call_id');
    assert.equal(fake.requests.length, before);
  });
});
