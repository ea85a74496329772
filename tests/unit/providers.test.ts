import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeUpstream, type RecordedRequest } from '../fakes/fake-upstream.ts';
import { fakeProviderCases, providersOf, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { sdkClient } from '../helpers/openai-client.ts';
import { parseResponseEvents } from '../helpers/sse.ts';

const fake = new FakeUpstream();
let cases: FakeProviderCase[] = [];
let gw: TestGateway;

before(async () => {
  await fake.start();
  cases = fakeProviderCases(fake.baseUrl);
  gw = testGateway({ providers: providersOf(cases), models: cases.map((c) => ({ name: c.name, provider: c.name, provider_model_id: `${c.name}-model` })) });
});
after(() => fake.stop());

const TOOLS = [{ type: 'function', name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

/** How each protocol carries a function call and its result back to the model. */
const TOOL_RESULT_FORM: Record<string, (body: any, callId: string) => void> = {
  openai(body, callId) {
    assert.deepEqual(body.input.slice(-2), [
      { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: callId, output: 'sunny, 21 C' },
    ]);
  },
  chat(body, callId) {
    assert.deepEqual(body.messages.slice(-2), [
      { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: callId, content: 'sunny, 21 C' },
    ]);
  },
  anthropic(body, callId) {
    assert.deepEqual(body.messages.slice(-2), [
      { role: 'assistant', content: [{ type: 'tool_use', id: callId, name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: callId, content: 'sunny, 21 C' }] },
    ]);
  },
  gemini(body) {
    assert.deepEqual(body.contents.slice(-2), [
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny, 21 C' } } }] },
    ]);
  },
};
const formOf = (name: string) => TOOL_RESULT_FORM[name] ?? TOOL_RESULT_FORM.chat!;

function assertUpstreamRequest(c: FakeProviderCase, request: RecordedRequest, model: string, stream: boolean, requestId: string) {
  assert.equal(request.method, 'POST');
  assert.equal(request.path, c.path(model, stream));
  assert.equal(request.headers[c.auth[0]], c.auth[1]);
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.headers['x-request-id'], requestId);
  if (c.name === 'anthropic') assert.equal(request.headers['anthropic-version'], '2023-06-01');
}

const usageOf = (u: any) => [u.input_tokens, u.output_tokens, u.total_tokens];

for (const name of ['openai', 'openai_chat', 'azure', 'anthropic', 'gemini', 'compatible']) {
  describe(`provider ${name} against its fake upstream`, () => {
    const c = () => cases.find((x) => x.name === name)!;

    test('text, non-streamed: output, usage and the exact upstream request', async () => {
      const res = await gw.post('/v1/responses', { model: `${name}/hello`, input: 'Hi' }, { 'x-request-id': `req-${name}-1` });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, 'completed');
      assert.equal(body.model, `${name}/hello`);
      assert.equal(body.output[0].content[0].text, 'Hello from the fake');
      assert.deepEqual(usageOf(body.usage), [11, 7, 18]);
      assertUpstreamRequest(c(), fake.last('hello'), 'hello', false, `req-${name}-1`);
    });

    test('text, streamed: the Responses event sequence with usage, from the streaming endpoint', async () => {
      const res = await gw.post('/v1/responses', { model: name, input: 'Hi', stream: true }, { 'x-request-id': `req-${name}-2` });
      const events = parseResponseEvents(await res.text());
      assert.deepEqual(events.map((e) => e.type), [
        'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
        ...Array(4).fill('response.output_text.delta'),
        'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
      ]);
      const completed = events.at(-1)!.response;
      assert.equal(completed.output[0].content[0].text, 'Hello from the fake');
      assert.equal(completed.model, name);
      assert.deepEqual(usageOf(completed.usage), [11, 7, 18]);
      assertUpstreamRequest(c(), fake.last(`${name}-model`), `${name}-model`, true, `req-${name}-2`);
    });

    test('the SDK responses.stream() helper accepts the stream, reasoning included', async () => {
      fake.script(`${name}-reasoning`, { kind: 'text', chunks: ['4', '2'], reasoning: ['Let me', ' think'] });
      const final = await sdkClient(gw.gateway).responses.stream({ model: `${name}/${name}-reasoning`, input: 'Answer?' }).finalResponse();
      assert.equal(final.status, 'completed');
      const message = final.output.find((item) => item.type === 'message')!;
      assert.deepEqual(message.type === 'message' && message.content.map((p) => p.type === 'output_text' && p.text), ['42']);
      // Chat Completions carries no reasoning; the other protocols do.
      const reasoning = final.output.find((item) => item.type === 'reasoning');
      if (['openai_chat', 'azure', 'compatible'].includes(name)) assert.equal(reasoning, undefined);
      else assert.deepEqual(reasoning?.type === 'reasoning' && reasoning.summary.map((s) => s.text), ['Let me think']);
    });

    test('a tool call, streamed, then its output sent back with previous_response_id in the upstream tool-result form', async () => {
      const model = `${name}-tools`;
      fake.script(model, [{ kind: 'tool_call', name: 'get_weather', args: ['{"city":', '"Oslo"}'] }, { kind: 'text', chunks: ['Sunny', ' in Oslo'] }]);
      const client = sdkClient(gw.gateway);
      const first = await client.responses.stream({ model: `${name}/${model}`, input: 'Weather in Oslo?', tools: TOOLS as any }).finalResponse();
      assert.equal(first.output.length, 1);
      const call = first.output[0]!;
      assert.ok(call.type === 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.equal(call.arguments, '{"city":"Oslo"}');
      assert.ok(call.call_id.length > 0);
      const tools = fake.last(model).body;
      if (name === 'gemini') assert.deepEqual(tools.tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather by city', parametersJsonSchema: TOOLS[0]!.parameters }] }]);
      const second = await client.responses.create({
        model: `${name}/${model}`, previous_response_id: first.id, tools: TOOLS as any,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }],
      });
      assert.equal(second.output_text, 'Sunny in Oslo');
      formOf(name)(fake.last(model).body, call.call_id);
    });

    test('a non-streamed tool call is a function_call item', async () => {
      fake.script(`${name}-tool-json`, { kind: 'tool_call', name: 'get_weather', args: ['{"city":"Oslo"}'] });
      const body = await (await gw.post('/v1/responses', { model: `${name}/${name}-tool-json`, input: 'x', tools: TOOLS })).json();
      assert.equal(body.output[0].type, 'function_call');
      assert.equal(body.output[0].name, 'get_weather');
      assert.deepEqual(JSON.parse(body.output[0].arguments), { city: 'Oslo' });
    });

    test('a length cut-off ends incomplete (max_output_tokens), streamed and not', async () => {
      fake.script(`${name}-long`, { kind: 'text', chunks: ['one', ' two'], finish: 'length' });
      const body = await (await gw.post('/v1/responses', { model: `${name}/${name}-long`, input: 'x', max_output_tokens: 2 })).json();
      assert.equal(body.status, 'incomplete');
      assert.deepEqual(body.incomplete_details, { reason: 'max_output_tokens' });
      const events = parseResponseEvents(await (await gw.post('/v1/responses', { model: `${name}/${name}-long`, input: 'x', max_output_tokens: 2, stream: true })).text());
      const last = events.at(-1)!;
      assert.equal(last.type, 'response.incomplete');
      assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
      assert.equal(last.response.output[0].status, 'incomplete');
      assert.equal(last.response.output[0].content[0].text, 'one two');
      assert.deepEqual(usageOf(last.response.usage), [11, 7, 18]);
    });

    test('chat.completions through it: JSON, and a stream with include_usage', async () => {
      const client = sdkClient(gw.gateway);
      const completion = await client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'Hi' }] });
      assert.equal(completion.choices[0]!.message.content, 'Hello from the fake');
      assert.equal(completion.choices[0]!.finish_reason, 'stop');
      assert.deepEqual([completion.usage?.prompt_tokens, completion.usage?.completion_tokens, completion.usage?.total_tokens], [11, 7, 18]);
      const stream = await client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'Hello from the fake');
      assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens], [11, 7]);
    });
  });
}

describe('across providers', () => {
  test('previous_response_id carries a conversation from one provider to another, tool calls included', async () => {
    fake.script('hop-1', { kind: 'tool_call', name: 'get_weather', args: ['{"city":"Oslo"}'] });
    fake.script('hop-2', { kind: 'text', chunks: ['It is sunny.'] });
    fake.script('hop-3', { kind: 'text', chunks: ['Bring sunglasses.'] });
    const client = sdkClient(gw.gateway);
    const first = await client.responses.create({ model: 'gemini/hop-1', input: 'Weather in Oslo?', tools: TOOLS as any, instructions: 'Be brief.' });
    const call = first.output[0]!;
    assert.ok(call.type === 'function_call');
    const second = await client.responses.create({
      model: 'anthropic/hop-2', previous_response_id: first.id, tools: TOOLS as any,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    const anthropicBody = fake.last('hop-2').body;
    // Instructions are not carried over by previous_response_id.
    assert.equal(anthropicBody.system, undefined);
    assert.deepEqual(anthropicBody.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: 'sunny' }] },
    ]);
    await client.responses.create({ model: 'openai_chat/hop-3', previous_response_id: second.id, input: 'What should I wear?' });
    assert.deepEqual(fake.last('hop-3').body.messages, [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: call.call_id, content: 'sunny' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'What should I wear?' },
    ]);
  });

  test('an image (data URL and URL) and a JSON schema reach each upstream in its own form', async () => {
    const client = sdkClient(gw.gateway);
    const input = [{ role: 'user' as const, content: [
      { type: 'input_text' as const, text: 'Describe' },
      { type: 'input_image' as const, image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' as const },
      { type: 'input_image' as const, image_url: 'https://example.test/photo.jpg', detail: 'low' as const },
    ] }];
    const text = { format: { type: 'json_schema' as const, name: 'description', schema: { type: 'object', properties: { summary: { type: 'string' } } }, strict: true } };
    for (const provider of ['anthropic', 'gemini', 'openai_chat', 'openai']) {
      await client.responses.create({ model: `${provider}/vision`, input, text });
      const body = fake.last('vision').body;
      if (provider === 'anthropic') {
        assert.deepEqual(body.messages[0].content.slice(1), [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.test/photo.jpg' } },
        ]);
        assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema: text.format.schema } });
      } else if (provider === 'gemini') {
        assert.deepEqual(body.contents[0].parts.slice(1), [
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { fileUri: 'https://example.test/photo.jpg', mimeType: 'image/jpeg' } },
        ]);
        assert.deepEqual([body.generationConfig.responseMimeType, body.generationConfig.responseJsonSchema], ['application/json', text.format.schema]);
      } else if (provider === 'openai_chat') {
        assert.deepEqual(body.messages[0].content.slice(1), [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' } },
          { type: 'image_url', image_url: { url: 'https://example.test/photo.jpg', detail: 'low' } },
        ]);
        assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'description', schema: text.format.schema, strict: true } });
      } else {
        assert.deepEqual(body.input[0].content.slice(1), [
          { type: 'input_image', detail: 'auto', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'input_image', detail: 'low', image_url: 'https://example.test/photo.jpg' },
        ]);
        assert.deepEqual(body.text, text);
      }
    }
  });
});
