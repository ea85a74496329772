import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { fakeProviderCases, providersOf } from '../helpers/fake-providers.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';
import { sdkClient } from '../helpers/openai-client.ts';
import { parseSse } from '../helpers/sse.ts';

const USER = [{ role: 'user', content: 'Hi there' }];
const fake = new FakeUpstream();
before(() => fake.start());
after(() => fake.stop());

const chunksOf = async (res: Response) => {
  const messages = parseSse(await res.text());
  for (const m of messages) assert.equal(m.event, undefined, 'Chat Completions streams have data: lines only');
  return messages.map((m) => m.data);
};

describe('POST /v1/chat/completions', () => {
  test('answers a chat.completion with every field and usage', async () => {
    const { post, logs } = testGateway();
    const res = await post('/v1/chat/completions', { model: 'mock', messages: USER }, { 'x-request-id': 'chat-1' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.match(body.id, /^chatcmpl-[0-9a-f]{32}$/);
    assert.deepEqual({ ...body, id: 'x', created: 0 }, {
      id: 'x', object: 'chat.completion', created: 0, model: 'mock',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: Hi there', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
      service_tier: 'default', system_fingerprint: null,
    });
    const line = logs.find((l) => l.msg === 'response generated')!;
    assert.deepEqual(Object.keys(line), ['time', 'level', 'msg', 'request_id', 'principal', 'provider', 'model', 'input_tokens', 'output_tokens', 'status', 'duration_ms']);
    assert.deepEqual([line.request_id, line.provider, line.model, line.status, line.input_tokens, line.output_tokens], ['chat-1', 'mock', 'mock', 'completed', 2, 3]);
    assert.equal(logs.find((l) => l.msg === 'request completed')!.route, '/v1/chat/completions');
  });

  test('streams chunks: the role first, deltas, finish_reason on the last content chunk, [DONE]; no usage unless asked', async () => {
    const { post } = testGateway();
    const res = await post('/v1/chat/completions', { model: 'mock', messages: USER, stream: true });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const data = await chunksOf(res);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    assert.deepEqual(chunks.map((c) => c.choices[0].delta), [{ role: 'assistant', content: '', refusal: null }, { content: 'Echo:' }, { content: ' Hi' }, { content: ' there' }, {}]);
    assert.deepEqual(chunks.map((c) => c.choices[0].finish_reason), [null, null, null, null, 'stop']);
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, chunks[0].id);
      assert.equal(chunk.model, 'mock');
      assert.ok(!('usage' in chunk));
    }
  });

  test('include_usage: usage null on every chunk, then one usage chunk with no choices before [DONE]', async () => {
    const { post } = testGateway();
    const data = await chunksOf(await post('/v1/chat/completions', { model: 'mock', messages: USER, stream: true, stream_options: { include_usage: true } }));
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
  });

  test('the usage chunk the gateway asks a Chat Completions upstream for does not leak to a client that did not ask', async () => {
    const cases = fakeProviderCases(fake.baseUrl);
    const { post } = testGateway({ providers: providersOf(cases), models: [{ name: 'c', provider: 'compatible', provider_model_id: 'leak-check' }] });
    const data = await chunksOf(await post('/v1/chat/completions', { model: 'c', messages: USER, stream: true }));
    assert.deepEqual(fake.last('leak-check').body.stream_options, { include_usage: true });
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    assert.ok(chunks.every((c) => c.choices.length === 1 && !('usage' in c)));
  });

  test('tool calls: streamed as tool_calls deltas numbered among the calls, finish_reason tool_calls; JSON likewise', async () => {
    const { post } = testGateway();
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const data = await chunksOf(await post('/v1/chat/completions', { model: 'mock', messages: USER, tools, tool_choice: 'required', stream: true }));
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d).choices[0]);
    assert.deepEqual(chunks[1].delta.tool_calls[0], { index: 0, id: chunks[1].delta.tool_calls[0].id, type: 'function', function: { name: 'lookup', arguments: '' } });
    assert.deepEqual(chunks[2].delta.tool_calls, [{ index: 0, function: { arguments: '{"input":"Hi there"}' } }]);
    assert.equal(chunks.at(-1).finish_reason, 'tool_calls');
    const body = await (await post('/v1/chat/completions', { model: 'mock', messages: USER, tools, tool_choice: { type: 'function', function: { name: 'lookup' } } })).json();
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    assert.equal(body.choices[0].message.content, null);
    assert.equal(body.choices[0].message.tool_calls[0].function.name, 'lookup');
  });

  test('a length cut-off is finish_reason length', async () => {
    const { post } = testGateway();
    const body = await (await post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'a b c d' }], max_completion_tokens: 2 })).json();
    assert.equal(body.choices[0].finish_reason, 'length');
    assert.equal(body.choices[0].message.content, 'Echo: a');
    const data = await chunksOf(await post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'a b c d' }], max_tokens: 2, stream: true }));
    assert.equal(JSON.parse(data.at(-2)!).choices[0].finish_reason, 'length');
  });

  test('a tool result in chat form reaches Anthropic as a tool_result block and Gemini as a functionResponse', async () => {
    const cases = fakeProviderCases(fake.baseUrl);
    const { gateway } = testGateway({ providers: providersOf(cases), models: [] });
    const messages = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_7', content: 'sunny' },
    ] as const;
    const client = sdkClient(gateway);
    await client.chat.completions.create({ model: 'anthropic/chat-tools', messages: messages as any });
    assert.deepEqual(fake.last('chat-tools').body.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_7', name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_7', content: 'sunny' }] },
    ]);
    await client.chat.completions.create({ model: 'gemini/chat-tools', messages: messages as any });
    assert.deepEqual(fake.last('chat-tools').body.contents.slice(1), [
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] },
    ]);
  });

  test('a failure mid-stream ends with an error chunk and no [DONE], and is logged', async () => {
    const { post, logs } = testGateway(MOCK_MODELS);
    const data = await chunksOf(await post('/v1/chat/completions', { model: 'failing', messages: USER, stream: true }));
    assert.notEqual(data.at(-1), '[DONE]');
    assert.deepEqual(JSON.parse(data.at(-1)!), { error: { message: 'Provider failing failed: the mock is configured to fail after 3 chunks.', type: 'server_error', param: null, code: 'upstream_error' } });
    assert.equal(data.length, 5, 'role chunk, three deltas, error');
    assert.ok(logs.some((l) => l.msg === 'response failed mid-stream'));
    assert.equal(logs.find((l) => l.msg === 'response generated')!.status, 'failed');
  });

  test('chat completions are not stored', async () => {
    const { post, gateway } = testGateway();
    await post('/v1/chat/completions', { model: 'mock', messages: USER });
    await (await post('/v1/chat/completions', { model: 'mock', messages: USER, stream: true })).text();
    assert.equal(gateway.store.activeCount(), 0);
  });
});

describe('bad chat requests: 400 in the OpenAI shape, naming the parameter', () => {
  test('each invalid input', async () => {
    const { post, request } = testGateway();
    const cases: Array<[unknown, string, string, RegExp]> = [
      [{ messages: USER }, 'model', 'missing_required_parameter', /Missing required parameter: 'model'/],
      [{ model: 'mock' }, 'messages', 'missing_required_parameter', /'messages'/],
      [{ model: 'mock', messages: [] }, 'messages', 'invalid_value', /at least one message/],
      [{ model: 'mock', messages: USER, temprature: 1 }, 'temprature', 'unknown_parameter', /Unknown parameter: 'temprature'/],
      [{ model: 'mock', messages: USER, logprobs: true }, 'logprobs', 'unsupported_parameter', /Unsupported parameter: 'logprobs'/],
      [{ model: 'mock', messages: USER, n: 2 }, 'n', 'invalid_value', /expected 1/],
      [{ model: 'mock', messages: USER, n: 3 }, 'n', 'invalid_value', /expected 1 \(one choice per request\)/],
      [{ model: 'mock', messages: USER, n: 'three' }, 'n', 'invalid_type', /expected a number/],
      [{ model: 'mock', messages: USER, temperature: 3 }, 'temperature', 'invalid_value', /from 0 to 2/],
      [{ model: 'mock', messages: USER, max_tokens: 0 }, 'max_tokens', 'invalid_value', /integer >= 1/],
      [{ model: 'mock', messages: USER, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value', /at most 4/],
      [{ model: 'mock', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_type', /role system, developer, user, assistant or tool/],
      [{ model: 'mock', messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }, 'messages[0].content[0].type', 'invalid_type', /text, image_url or file/],
      [{ model: 'mock', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', 'missing_required_parameter', /tool_call_id/],
      [{ model: 'mock', messages: [{ role: 'assistant' }] }, 'messages[0]', 'invalid_value', /needs content or tool_calls/],
      [{ model: 'mock', messages: USER, tools: [{ type: 'retrieval' }] }, 'tools[0].type', 'invalid_type', /type function/],
      [{ model: 'mock', messages: USER, tool_choice: 'sometimes' }, 'tool_choice', 'invalid_type', /"auto", "none", "required"/],
      [{ model: 'mock', messages: USER, response_format: { type: 'yaml' } }, 'response_format.type', 'invalid_type', /text, json_object or json_schema/],
      [{ model: 'mock', messages: USER, stream_options: { include_usage: true } }, 'stream_options', 'invalid_value', /only allowed when 'stream' is enabled/],
    ];
    for (const [body, param, code, message] of cases) {
      const res = await post('/v1/chat/completions', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const { error } = await res.json();
      assert.deepEqual([error.type, error.param, error.code], ['invalid_request_error', param, code], JSON.stringify(body));
      assert.match(error.message, message);
    }
    const malformed = await post('/v1/chat/completions', '{"model":');
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error.code, 'invalid_json');
    const wrongMethod = await request('/v1/chat/completions');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
  });

  test('a body over max_request_body_size is a 413', async () => {
    const { post } = testGateway({ server: { max_request_body_size: 100 } });
    const res = await post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: 'x'.repeat(200) }] });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 'request_too_large');
  });
});
