import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResponseEvents } from '../helpers/sse.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';
import { checkResponseObject } from '../helpers/open-responses-spec.ts';
import { sdkClient } from '../helpers/openai-client.ts';
import OpenAI from 'openai';

const RESPONSE_KEYS = [
  'background', 'completed_at', 'conversation', 'created_at', 'error', 'frequency_penalty', 'id', 'incomplete_details', 'instructions',
  'max_output_tokens', 'max_tool_calls', 'metadata', 'model', 'object', 'output', 'parallel_tool_calls', 'presence_penalty',
  'previous_response_id', 'prompt', 'prompt_cache_key', 'prompt_cache_retention', 'reasoning', 'safety_identifier', 'service_tier',
  'status', 'store', 'temperature', 'text', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'truncation', 'usage', 'user',
];

describe('POST /v1/responses', () => {
  test('answers a completed response with every field of the API object and usage', async () => {
    const { post } = testGateway();
    const res = await post('/v1/responses', { model: 'mock', input: 'Hello, world!' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), RESPONSE_KEYS);
    assert.match(body.id, /^resp_[0-9a-f]{32}$/);
    assert.equal(body.object, 'response');
    assert.equal(body.status, 'completed');
    assert.equal(body.model, 'mock');
    assert.equal(body.output.length, 1);
    assert.match(body.output[0].id, /^msg_[0-9a-f]{32}$/);
    assert.deepEqual({ ...body.output[0], id: 'x' }, {
      type: 'message', id: 'x', role: 'assistant', status: 'completed',
      content: [{ type: 'output_text', text: 'Echo: Hello, world!', annotations: [] }],
    });
    assert.deepEqual(body.usage, {
      input_tokens: 2, input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5,
    });
    assert.ok(Math.abs(body.created_at - Date.now() / 1000) < 5);
    assert.ok(Number.isInteger(body.completed_at) && body.completed_at >= body.created_at);
    assert.equal(body.error, null);
    assert.equal(body.store, true);
    checkResponseObject(body);
  });

  test('the effective sampling values are numbers when the client set none; unset echoes are null', async () => {
    const { post } = testGateway();
    const body = await (await post('/v1/responses', { model: 'mock', input: 'x' })).json();
    assert.deepEqual(
      [body.temperature, body.top_p, body.presence_penalty, body.frequency_penalty, body.top_logprobs],
      [1, 1, 0, 0, 0],
    );
    assert.deepEqual(
      [body.safety_identifier, body.prompt_cache_key, body.prompt_cache_retention, body.conversation, body.prompt, body.max_tool_calls],
      [null, null, null, null, null, null],
    );
    assert.deepEqual(body.text, { format: { type: 'text' }, verbosity: 'medium' });
    assert.deepEqual(body.reasoning, { effort: null, summary: null });
    assert.equal(body.service_tier, 'default');
    assert.equal(body.background, false);
  });

  test('echoes the request parameters', async () => {
    const { post } = testGateway();
    const res = await post('/v1/responses', {
      model: 'mock', input: 'x', instructions: 'be brief', temperature: 0.5, top_p: 0.9, max_output_tokens: 100,
      metadata: { team: 'a' }, user: 'u1', parallel_tool_calls: false, truncation: 'auto', max_tool_calls: 3, top_logprobs: 5,
      safety_identifier: 'user-hash-1', prompt_cache_key: 'k1', prompt_cache_retention: '24h', reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'r', schema: { type: 'object' }, strict: true } },
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }], tool_choice: 'auto',
    });
    const body = await res.json();
    assert.equal(body.instructions, 'be brief');
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_output_tokens, 100);
    assert.deepEqual(body.metadata, { team: 'a' });
    assert.equal(body.user, 'u1');
    assert.equal(body.parallel_tool_calls, false);
    assert.equal(body.truncation, 'auto');
    assert.deepEqual(body.text, { format: { type: 'json_schema', name: 'r', schema: { type: 'object' }, description: null, strict: true }, verbosity: 'medium' });
    assert.deepEqual(body.tools, [{ type: 'function', name: 'get_weather', description: null, parameters: { type: 'object' }, strict: true }]);
    assert.deepEqual(
      [body.max_tool_calls, body.top_logprobs, body.safety_identifier, body.prompt_cache_key, body.prompt_cache_retention, body.reasoning],
      [3, 5, 'user-hash-1', 'k1', '24h', { effort: 'low', summary: 'auto' }],
    );
    checkResponseObject(body);
  });

  test('an alias routes to its model, and the response names the configured model', async () => {
    const { post } = testGateway(MOCK_MODELS);
    const body = await (await post('/v1/responses', { model: 'mock-alias', input: 'x' })).json();
    assert.equal(body.model, 'mock');
  });

  test('max_output_tokens cuts the reply short: status incomplete with the reason', async () => {
    const { post } = testGateway();
    const body = await (await post('/v1/responses', { model: 'mock', input: 'one two three four', max_output_tokens: 2 })).json();
    assert.equal(body.status, 'incomplete');
    assert.deepEqual(body.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(body.output[0].content[0].text, 'Echo: one');
    assert.equal(body.output[0].status, 'incomplete');
    assert.equal(body.usage.output_tokens, 2);
  });

  test('a forced function tool produces a function_call item', async () => {
    const { post } = testGateway();
    const body = await (
      await post('/v1/responses', {
        model: 'mock', input: 'weather in Oslo',
        tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }], tool_choice: 'required',
      })
    ).json();
    assert.equal(body.output.length, 1);
    const call = body.output[0];
    assert.equal(call.type, 'function_call');
    assert.match(call.id, /^fc_/);
    assert.match(call.call_id, /^call_[0-9a-f]{8}$/);
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { input: 'weather in Oslo' });
  });
});

describe('streaming', () => {
  test('the exact Responses event sequence, framed as SSE, numbered from 0', async () => {
    const { post, request } = testGateway();
    const res = await post('/v1/responses', { model: 'mock', input: 'Hi there', stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const events = parseResponseEvents(await res.text());
    assert.deepEqual(events.map((e) => e.type), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const [created, inProgress, added, partAdded, d1, d2, d3, textDone, partDone, itemDone, completed] = events as any[];
    assert.equal(created.response.status, 'in_progress');
    assert.deepEqual(created.response.output, []);
    assert.equal(created.response.usage, null);
    assert.equal(inProgress.response.id, created.response.id);
    const itemId = added.item.id;
    assert.deepEqual(added, { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] } });
    assert.deepEqual(partAdded, { type: 'response.content_part.added', sequence_number: 3, item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    assert.deepEqual([d1.delta, d2.delta, d3.delta], ['Echo:', ' Hi', ' there']);
    for (const d of [d1, d2, d3]) assert.deepEqual([d.item_id, d.output_index, d.content_index], [itemId, 0, 0]);
    assert.equal(textDone.text, 'Echo: Hi there');
    assert.deepEqual(partDone.part, { type: 'output_text', text: 'Echo: Hi there', annotations: [] });
    assert.deepEqual(itemDone.item, { type: 'message', id: itemId, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Echo: Hi there', annotations: [] }] });
    assert.equal(completed.response.status, 'completed');
    assert.equal(completed.response.id, created.response.id);
    assert.deepEqual(completed.response.output, [itemDone.item]);
    assert.equal(completed.response.usage.output_tokens, 3);
    // What was streamed is what is stored.
    const stored = await (await request(`/v1/responses/${created.response.id}`)).json();
    assert.deepEqual(stored, completed.response);
  });

  test('whether to stream is decided by the body, not the Accept header', async () => {
    const { post } = testGateway();
    const res = await post('/v1/responses', { model: 'mock', input: 'x', stream: true }, { accept: 'application/json' });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const plain = await post('/v1/responses', { model: 'mock', input: 'x', stream: false }, { accept: 'text/event-stream' });
    assert.match(plain.headers.get('content-type')!, /^application\/json/);
  });

  test('a reply cut short ends with response.incomplete and the item marked incomplete', async () => {
    const { post } = testGateway();
    const events = parseResponseEvents(await (await post('/v1/responses', { model: 'mock', input: 'a b c d', max_output_tokens: 2, stream: true })).text());
    const last = events.at(-1)!;
    assert.equal(last.type, 'response.incomplete');
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    const itemDone = events.find((e) => e.type === 'response.output_item.done')!;
    assert.equal(itemDone.item.status, 'incomplete');
    assert.equal(events.filter((e) => e.type.startsWith('response.') && ['response.completed', 'response.incomplete', 'response.failed'].includes(e.type)).length, 1);
  });

  test('a function call streams its arguments between the item added and done events', async () => {
    const { post } = testGateway();
    const events = parseResponseEvents(
      await (
        await post('/v1/responses', {
          model: 'mock', input: 'Oslo', stream: true,
          tools: [{ type: 'function', name: 'lookup' }], tool_choice: { type: 'function', name: 'lookup' },
        })
      ).text(),
    );
    assert.deepEqual(events.map((e) => e.type), [
      'response.created', 'response.in_progress', 'response.output_item.added',
      'response.function_call_arguments.delta', 'response.function_call_arguments.done',
      'response.output_item.done', 'response.completed',
    ]);
    const done = events[4]!;
    assert.equal(done.name, 'lookup');
    assert.deepEqual(JSON.parse(done.arguments), { input: 'Oslo' });
    assert.equal(events[5]!.item.arguments, done.arguments);
    assert.equal(events[6]!.response.output[0].type, 'function_call');
  });

  test('an upstream failure after the first byte ends the stream with response.failed, never a silent cut', async () => {
    const { post, request, logs } = testGateway(MOCK_MODELS);
    const events = parseResponseEvents(await (await post('/v1/responses', { model: 'failing', input: 'x', stream: true })).text());
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.equal(types.filter((t) => t === 'response.output_text.delta').length, 3);
    assert.equal(types.at(-1), 'response.failed');
    assert.ok(!types.includes('response.completed'));
    const failed = events.at(-1)!.response;
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.error, { code: 'server_error', message: 'Provider failing failed: the mock is configured to fail after 3 chunks.' });
    assert.equal(failed.usage.output_tokens, 3, 'usage as far as the upstream reported it');
    assert.equal(failed.output[0].status, 'incomplete');
    assert.equal((await (await request(`/v1/responses/${failed.id}`)).json()).status, 'failed');
    assert.ok(logs.some((l) => l.msg === 'response failed mid-stream' && l.level === 'WARN'));
  });
});

describe('conversation state', () => {
  test('previous_response_id: the model sees the previous input, its output, then the new input; instructions are not carried over', async () => {
    const { post, request } = testGateway();
    const first = await (await post('/v1/responses', { model: 'mock', input: 'alpha beta', instructions: 'speak in rhymes please' })).json();
    // instructions (4 words) + input (2 words)
    assert.equal(first.usage.input_tokens, 6);
    const second = await (await post('/v1/responses', { model: 'mock', input: 'gamma', previous_response_id: first.id })).json();
    // "alpha beta" + "Echo: alpha beta" + "gamma"; no instructions
    assert.equal(second.usage.input_tokens, 2 + 3 + 1);
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.instructions, null);
    const third = await (await post('/v1/responses', { model: 'mock', input: [{ role: 'user', content: 'delta epsilon' }], previous_response_id: second.id, stream: true })).text();
    const completed = parseResponseEvents(third).at(-1)!.response;
    assert.equal(completed.usage.input_tokens, 6 + 2 + 2);
    assert.equal(completed.output[0].content[0].text, 'Echo: delta epsilon');
    // input_items lists only that turn's own input
    const items = await (await request(`/v1/responses/${completed.id}/input_items?order=asc`)).json();
    assert.equal(items.object, 'list');
    assert.equal(items.data.length, 1);
    assert.deepEqual(items.data[0].content, [{ type: 'input_text', text: 'delta epsilon' }]);
    assert.equal(items.has_more, false);
    assert.equal(items.first_id, items.data[0].id);
  });

  test('an item_reference brings back an earlier item by id', async () => {
    const { post } = testGateway();
    const first = await (await post('/v1/responses', { model: 'mock', input: 'remember this' })).json();
    const outputId = first.output[0].id;
    const second = await (await post('/v1/responses', { model: 'mock', previous_response_id: first.id, input: [{ type: 'item_reference', id: outputId }, { role: 'user', content: 'ok' }] })).json();
    assert.equal(second.status, 'completed');
    const bad = await post('/v1/responses', { model: 'mock', previous_response_id: first.id, input: [{ type: 'item_reference', id: 'msg_nope' }] });
    assert.equal(bad.status, 400);
    assert.deepEqual((await bad.json()).error, { message: "Item with id 'msg_nope' not found.", type: 'invalid_request_error', param: 'input[0].id', code: 'item_not_found' });
  });

  test('an unknown previous_response_id is a 400 previous_response_not_found', async () => {
    const { post } = testGateway();
    const res = await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: 'resp_missing' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: { message: "Previous response with id 'resp_missing' not found.", type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' },
    });
  });

  test('store: false stores nothing', async () => {
    const { post, request, gateway } = testGateway();
    const body = await (await post('/v1/responses', { model: 'mock', input: 'x', store: false })).json();
    assert.equal(body.store, false);
    assert.equal((await request(`/v1/responses/${body.id}`)).status, 404);
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'y', previous_response_id: body.id })).status, 400);
    const streamed = parseResponseEvents(await (await post('/v1/responses', { model: 'mock', input: 'x', store: false, stream: true })).text());
    assert.equal((await request(`/v1/responses/${streamed[0]!.response.id}`)).status, 404);
    assert.equal(gateway.store.activeCount(), 0);
  });

  test('retrieve and delete', async () => {
    const { post, request } = testGateway();
    const created = await (await post('/v1/responses', { model: 'mock', input: 'x' })).json();
    assert.deepEqual(await (await request(`/v1/responses/${created.id}`)).json(), created);
    const deleted = await request(`/v1/responses/${created.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(await deleted.json(), { id: created.id, object: 'response.deleted', deleted: true });
    const again = await request(`/v1/responses/${created.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.deepEqual(await again.json(), { error: { message: `Response with id '${created.id}' not found.`, type: 'invalid_request_error', param: 'response_id', code: 'response_not_found' } });
    assert.equal((await request(`/v1/responses/${created.id}`)).status, 404);
    assert.equal((await request(`/v1/responses/${created.id}/input_items`)).status, 404);
  });

  test('input_items pages newest first by default, with limit and after', async () => {
    const { post, request } = testGateway();
    const input = ['one', 'two', 'three', 'four', 'five'].map((text) => ({ role: 'user', content: text }));
    const created = await (await post('/v1/responses', { model: 'mock', input })).json();
    const page1 = await (await request(`/v1/responses/${created.id}/input_items?limit=2`)).json();
    assert.deepEqual(page1.data.map((i: any) => i.content[0].text), ['five', 'four']);
    assert.equal(page1.has_more, true);
    const page2 = await (await request(`/v1/responses/${created.id}/input_items?limit=2&after=${page1.last_id}`)).json();
    assert.deepEqual(page2.data.map((i: any) => i.content[0].text), ['three', 'two']);
    const page3 = await (await request(`/v1/responses/${created.id}/input_items?limit=2&after=${page2.last_id}`)).json();
    assert.deepEqual(page3.data.map((i: any) => i.content[0].text), ['one']);
    assert.equal(page3.has_more, false);
    const asc = await (await request(`/v1/responses/${created.id}/input_items?order=asc`)).json();
    assert.deepEqual(asc.data.map((i: any) => i.content[0].text), ['one', 'two', 'three', 'four', 'five']);
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=x', 'limit'], ['order=up', 'order'], ['after=msg_nope', 'after']]) {
      const res = await request(`/v1/responses/${created.id}/input_items?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).error.param, param);
    }
  });

  test('a function call round trip: the tool result goes back as function_call_output', async () => {
    const { post } = testGateway();
    const tools = [{ type: 'function', name: 'lookup' }];
    const first = await (await post('/v1/responses', { model: 'mock', input: 'Oslo', tools, tool_choice: 'required' })).json();
    const call = first.output[0];
    const second = await (
      await post('/v1/responses', {
        model: 'mock', previous_response_id: first.id, tools, tool_choice: 'required',
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
      })
    ).json();
    assert.equal(second.output[0].type, 'message');
    assert.equal(second.output[0].content[0].text, 'Tool result: sunny');
  });
});

describe('other routes', () => {
  test('GET /v1/models lists configured names and aliases in OpenAI shape', async () => {
    const { request } = testGateway(MOCK_MODELS);
    const body = await (await request('/v1/models')).json();
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((m: any) => [m.id, m.owned_by]), [
      ['mock', 'mock'], ['mock-alias', 'mock'], ['slow', 'slow'], ['failing', 'failing'], ['twenty', 'twenty'],
    ]);
    for (const m of body.data) {
      assert.equal(m.object, 'model');
      assert.equal(typeof m.created, 'number');
    }
  });

  test('GET /v1/models/{model}: a name, an alias, a direct provider/model (raw or encoded); 404 model_not_found otherwise; SDK models.retrieve', async () => {
    const { request, gateway } = testGateway(MOCK_MODELS);
    const listed = (await (await request('/v1/models')).json()).data;
    assert.deepEqual(await (await request('/v1/models/mock')).json(), listed[0]);
    assert.deepEqual(await (await request('/v1/models/mock-alias')).json(), listed[1]);
    for (const path of ['/v1/models/slow/any-model', '/v1/models/slow%2Fany-model']) {
      const res = await request(path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(await res.json(), { id: 'slow/any-model', object: 'model', created: listed[0].created, owned_by: 'slow' });
    }
    for (const path of ['/v1/models/gpt-nothing', '/v1/models/nobody%2Fx', '/v1/models/mock/']) {
      const res = await request(path);
      assert.equal(res.status, 404, path);
      const { error } = await res.json();
      assert.deepEqual([error.type, error.code, error.param], ['invalid_request_error', 'model_not_found', 'model'], path);
    }
    assert.equal((await request('/v1/models/mock', { method: 'POST' })).status, 405);
    const client = sdkClient(gateway);
    assert.deepEqual(await client.models.retrieve('mock'), listed[0]);
    assert.equal((await client.models.retrieve('twenty/some/deep-name')).owned_by, 'twenty');
    await assert.rejects(client.models.retrieve('gpt-nothing'), OpenAI.NotFoundError);
  });

  test('x-request-id: echoed when acceptable, replaced when not', async () => {
    const { request } = testGateway();
    assert.equal((await request('/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id'), 'abc-123');
    const generated = (await request('/health', { headers: { 'x-request-id': 'bad id\twith spaces' } })).headers.get('x-request-id')!;
    assert.match(generated, /^[0-9a-f-]{36}$/);
    const long = (await request('/health', { headers: { 'x-request-id': 'a'.repeat(200) } })).headers.get('x-request-id')!;
    assert.match(long, /^[0-9a-f-]{36}$/);
    assert.match((await request('/nope')).headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  });

  test('access log: one line per request with id, route template, status and duration', async () => {
    const { request, logs } = testGateway();
    await request('/v1/responses/resp_x', { headers: { 'x-request-id': 'req-1' } });
    const line = logs.find((l) => l.msg === 'request completed')!;
    assert.equal(line.level, 'INFO');
    assert.equal(line.request_id, 'req-1');
    assert.equal(line.route, '/v1/responses/:id');
    assert.equal(line.path, '/v1/responses/resp_x');
    assert.equal(line.status, 404);
    assert.equal(line.outcome, 'completed');
    assert.equal(typeof line.duration_ms, 'number');
    assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
  });
});
