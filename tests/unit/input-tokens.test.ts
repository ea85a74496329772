import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { fakeTokenCount } from '../fakes/script.ts';
import { fakeProviderCases, providersOf, TEST_KEYS, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { sdkClient } from '../helpers/openai-client.ts';

const fake = new FakeUpstream();
let cases: FakeProviderCase[] = [];
let gw: TestGateway;

before(async () => {
  await fake.start();
  cases = fakeProviderCases(fake.baseUrl);
  gw = testGateway({
    providers: { mock: { type: 'mock' }, ...providersOf(cases) },
    models: [{ name: 'mock', provider: 'mock' }, ...cases.map((c) => ({ name: c.name, provider: c.name, provider_model_id: `count-${c.name}` }))],
  });
});
after(() => fake.stop());

const TOOLS = [{ type: 'function', name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
const BODY = { input: 'What is the weather in Oslo today?', instructions: 'Answer briefly.', tools: TOOLS };

describe('POST /v1/responses/input_tokens', () => {
  test('the mock counts exactly what a create is billed, previous_response_id and instructions included; SDK inputTokens.count', async () => {
    const client = sdkClient(gw.gateway);
    const first = await client.responses.create({ model: 'mock', input: 'one two three', instructions: 'be brief' });
    const res = await gw.post('/v1/responses/input_tokens', { model: 'mock', input: 'one two three', instructions: 'be brief' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-gateway-estimate'), null);
    assert.deepEqual(await res.json(), { object: 'response.input_tokens', input_tokens: first.usage!.input_tokens });
    const next = { model: 'mock', previous_response_id: first.id, input: 'four five' };
    const counted = await client.responses.inputTokens.count(next);
    const created = await client.responses.create(next);
    assert.deepEqual(counted, { object: 'response.input_tokens', input_tokens: created.usage!.input_tokens });
    assert.ok(counted.input_tokens > 2);
  });

  test('each provider type: its own counting endpoint, with its key, the request id and only what that endpoint accepts; else an estimate, flagged', async () => {
    const expected: Record<string, { path: string; check(body: any): void }> = {
      openai: {
        path: '/v1/responses/input_tokens',
        check: (body) => assert.deepEqual(Object.keys(body).sort(), ['input', 'instructions', 'model', 'parallel_tool_calls', 'tool_choice', 'tools']),
      },
      anthropic: {
        path: '/v1/messages/count_tokens',
        check: (body) => assert.deepEqual(Object.keys(body).sort(), ['messages', 'model', 'system', 'tool_choice', 'tools']),
      },
      gemini: {
        path: '/v1beta/models/count-gemini:countTokens',
        check: (body) => {
          assert.deepEqual(Object.keys(body), ['generateContentRequest']);
          assert.equal(body.generateContentRequest.model, 'models/count-gemini');
          assert.ok(body.generateContentRequest.systemInstruction && body.generateContentRequest.tools);
        },
      },
    };
    for (const c of cases) {
      const before = fake.requests.length;
      const res = await gw.post('/v1/responses/input_tokens', { model: c.name, ...BODY }, { 'x-request-id': `count-${c.name}-0001` });
      assert.equal(res.status, 200, `${c.name}: ${await res.clone().text()}`);
      const body = await res.json();
      assert.equal(body.object, 'response.input_tokens');
      const wire = expected[c.name];
      if (!wire) {
        // Chat Completions upstreams have no counting endpoint: nothing is sent, the count is the documented estimate.
        assert.equal(fake.requests.length, before, c.name);
        assert.equal(res.headers.get('x-gateway-estimate'), 'true', c.name);
        const chars = BODY.input.length + BODY.instructions.length + 'get_weather'.length + 'Weather by city'.length + JSON.stringify(TOOLS[0]!.parameters).length;
        assert.equal(body.input_tokens, Math.ceil(chars / 4), c.name);
        continue;
      }
      const upstream = fake.last(`count-${c.name}`);
      assert.equal(upstream.path, wire.path, c.name);
      assert.equal(upstream.headers[c.auth[0]], c.auth[1], c.name);
      assert.equal(upstream.headers['x-request-id'], `count-${c.name}-0001`, c.name);
      wire.check(upstream.body);
      assert.equal(res.headers.get('x-gateway-estimate'), null, c.name);
      const counted = c.name === 'gemini' ? fakeTokenCount(upstream.body.generateContentRequest) : fakeTokenCount(upstream.body);
      assert.equal(body.input_tokens, counted, c.name);
      assert.ok(body.input_tokens >= 10, c.name);
    }
  });

  test('a model behind retries and a breaker is still counted by its provider (the primary target), not estimated', async () => {
    const anthropic = cases.find((c) => c.name === 'anthropic')!;
    const guarded = testGateway({
      providers: { claude: { ...anthropic.config, retry: { max_attempts: 2 }, circuit_breaker: {} } },
      models: [{ name: 'claude', provider: 'claude', provider_model_id: 'count-guarded' }],
    });
    const res = await guarded.post('/v1/responses/input_tokens', { model: 'claude', input: 'one two three' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-gateway-estimate'), null);
    assert.equal((await res.json()).input_tokens, fakeTokenCount(fake.last('count-guarded').body));
    assert.equal(fake.last('count-guarded').path, '/v1/messages/count_tokens');
  });

  test('counting calls are metered as operation="count_tokens", and add no billed tokens', async () => {
    const scrape = async () => parseExposition(await (await gw.request('/metrics')).text());
    const labels = { provider: 'anthropic', model: 'anthropic', operation: 'count_tokens', status: 'success' };
    const before = sample(await scrape(), 'provider_requests_total', labels) ?? 0;
    const tokensBefore = sample(await scrape(), 'provider_tokens_total', { provider: 'anthropic', model: 'anthropic', type: 'input' });
    await gw.post('/v1/responses/input_tokens', { model: 'anthropic', input: 'x' });
    const after = await scrape();
    assert.equal(sample(after, 'provider_requests_total', labels), before + 1);
    assert.equal(sample(after, 'provider_tokens_total', { provider: 'anthropic', model: 'anthropic', type: 'input' }), tokensBefore);
  });

  test('upstream failures are the client\'s errors as for any call: 429 keeps Retry-After; an unreadable count is 502; no key reaches the client', async () => {
    fake.script('count-429', { kind: 'error', status: 429, headers: { 'retry-after': '7' } });
    const limited = await gw.post('/v1/responses/input_tokens', { model: 'anthropic/count-429', input: 'x' });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    fake.script('count-odd', { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"input_tokens":"${TEST_KEYS.openai}"}`) });
    const odd = await gw.post('/v1/responses/input_tokens', { model: 'openai/count-odd', input: 'x' });
    assert.equal(odd.status, 502);
    const text = await odd.text();
    assert.match(text, /could not read/);
    for (const key of Object.values(TEST_KEYS)) assert.ok(!text.includes(key));
  });

  test('bad requests: 400 in the OpenAI shape; unknown model 404; unknown previous response 400', async () => {
    const cases: Array<[unknown, number, string, string]> = [
      [{ input: 'x' }, 400, 'model', 'missing_required_parameter'],
      [{ model: 'mock', input: 'x', stream: true }, 400, 'stream', 'unknown_parameter'],
      [{ model: 'mock', input: 'x', max_output_tokens: 5 }, 400, 'max_output_tokens', 'unknown_parameter'],
      [{ model: 'mock', input: 42 }, 400, 'input', 'invalid_type'],
      [{ model: 'gpt-nothing', input: 'x' }, 404, 'model', 'model_not_found'],
      [{ model: 'mock', input: 'x', previous_response_id: 'resp_nothing' }, 400, 'previous_response_id', 'previous_response_not_found'],
      [{ model: 'mock', input: [{ type: 'item_reference', id: 'msg_nothing' }] }, 400, 'input[0].id', 'item_not_found'],
    ];
    for (const [body, status, param, code] of cases) {
      const res = await gw.post('/v1/responses/input_tokens', body);
      assert.equal(res.status, status, JSON.stringify(body));
      const { error } = await res.json();
      assert.deepEqual([error.param, error.code], [param, code], JSON.stringify(body));
    }
    assert.equal((await gw.post('/v1/responses/input_tokens', '{"model":')).status, 400);
    await assert.rejects(sdkClient(gw.gateway).responses.inputTokens.count({ model: 'gpt-nothing', input: 'x' }), OpenAI.NotFoundError);
  });
});
