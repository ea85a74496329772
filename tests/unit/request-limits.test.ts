import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';

async function expectError(res: Response, status: number, code: string, param?: string | RegExp) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body).slice(0, 500));
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, code, body.error.message);
  if (typeof param === 'string') assert.equal(body.error.param, param);
  else if (param) assert.match(body.error.param, param);
  return body.error as { message: string; param: string };
}

const USER = [{ role: 'user', content: 'Hi' }];
const tool = (parameters: unknown) => ({ type: 'function', name: 'f', parameters });
const chatTool = (parameters: unknown) => ({ type: 'function', function: { name: 'f', parameters } });

/** `{"a":{"a":…{}}}` nested `depth` levels deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

describe('per-request limits (server.limits)', () => {
  test('input items: more than max_input_items is 400 array_above_max_length naming input / messages', async () => {
    const { post } = testGateway();
    const items = (n: number) => Array.from({ length: n }, () => ({ role: 'user', content: 'x' }));
    assert.equal((await post('/v1/responses', { model: 'mock', input: items(2048) })).status, 200);
    const error = await expectError(await post('/v1/responses', { model: 'mock', input: items(2049) }), 400, 'array_above_max_length', 'input');
    assert.match(error.message, /maximum length 2048, but got an array with length 2049/);
    assert.equal((await post('/v1/chat/completions', { model: 'mock', messages: items(2048) })).status, 200);
    await expectError(await post('/v1/chat/completions', { model: 'mock', messages: items(2049) }), 400, 'array_above_max_length', 'messages');
  });

  test('200,000 input items are refused on their count, before any item is validated', async () => {
    const { post } = testGateway();
    const input: unknown[] = Array.from({ length: 200_000 }, () => ({ role: 'user', content: 'x' }));
    // An invalid item far down: a validation pass would report it instead of the count.
    input[150_000] = { role: 'robot', content: 'x' };
    await expectError(await post('/v1/responses', { model: 'mock', input }), 400, 'array_above_max_length', 'input');
    await expectError(await post('/v1/chat/completions', { model: 'mock', messages: input }), 400, 'array_above_max_length', 'messages');
  });

  test('tools: more than max_tools is 400 naming tools', async () => {
    const { post } = testGateway();
    const tools = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'function', name: `f${i}` }));
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'x', tools: tools(128) })).status, 200);
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', tools: tools(129) }), 400, 'array_above_max_length', 'tools');
    const chatTools = Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `f${i}` } }));
    await expectError(await post('/v1/chat/completions', { model: 'mock', messages: USER, tools: chatTools }), 400, 'array_above_max_length', 'tools');
  });

  test('limits are configurable', async () => {
    const { post } = testGateway({ server: { limits: { max_input_items: 2, max_tools: 1, max_string_length: 10, max_json_depth: 4 } } });
    await expectError(await post('/v1/responses', { model: 'mock', input: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 'c' }] }), 400, 'array_above_max_length', 'input');
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'function', name: 'b' }] }), 400, 'array_above_max_length', 'tools');
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x'.repeat(11) }), 400, 'string_above_max_length', 'input');
    // body (1) → tools (2) → tools[0] (3) → parameters (4) → a (5)
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', tools: [tool({ a: {} })] }), 400, 'nesting_above_max_depth', 'tools[0].parameters.a');
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'x', tools: [tool({ a: 1 })] })).status, 200);
  });

  test('one string or key longer than max_string_length is 400 string_above_max_length naming the field', async () => {
    const { post } = testGateway({ server: { limits: { max_string_length: 100 } } });
    const long = 'y'.repeat(101);
    const error = await expectError(await post('/v1/responses', { model: 'mock', input: [{ role: 'user', content: [{ type: 'input_text', text: long }] }] }), 400, 'string_above_max_length', 'input[0].content[0].text');
    assert.match(error.message, /maximum length 100, but got a string with length 101/);
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'y'.repeat(100) })).status, 200);
    await expectError(await post('/v1/chat/completions', { model: 'mock', messages: [{ role: 'user', content: long }] }), 400, 'string_above_max_length', 'messages[0].content');
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', metadata: { [long]: 'v' } }), 400, 'string_above_max_length', /^metadata\.y{64}…$/);
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', tools: [tool({ properties: { q: { description: long } } })] }), 400, 'string_above_max_length', 'tools[0].parameters.properties.q.description');
  });

  test('the default string limit is OpenAI\'s, 10485760 characters', async () => {
    const { gateway, post } = testGateway({ server: { max_request_body_size: '12MiB' } });
    assert.equal(gateway.config.server.limits.max_string_length, 10_485_760);
    await expectError(await post('/v1/responses', { model: 'mock', input: 'z'.repeat(10_485_761) }), 400, 'string_above_max_length', 'input');
  });

  const cases: Array<[string, (deep: unknown) => [string, unknown]]> = [
    ['tools[].parameters', (deep: unknown) => ['/v1/responses', { model: 'mock', input: 'x', tools: [tool(deep)] }]],
    ['text.format.schema', (deep: unknown) => ['/v1/responses', { model: 'mock', input: 'x', text: { format: { type: 'json_schema', name: 's', schema: deep } } }]],
    ['chat tools[].function.parameters', (deep: unknown) => ['/v1/chat/completions', { model: 'mock', messages: USER, tools: [chatTool(deep)] }]],
    ['chat response_format.json_schema.schema', (deep: unknown) => ['/v1/chat/completions', { model: 'mock', messages: USER, response_format: { type: 'json_schema', json_schema: { name: 's', schema: deep } } }]],
    ['an unknown parameter', (deep: unknown) => ['/v1/responses', { model: 'mock', input: 'x', extra: deep }]],
  ];
  for (const [where, make] of cases) {
    test(`10,000-deep JSON in ${where} is 400 nesting_above_max_depth, not a 500`, async () => {
      const { post, logs } = testGateway();
      const [path, body] = make('__DEEP__');
      // Written as text: JSON.stringify itself overflows the stack on such values.
      for (const deep of [`${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`, `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) {
        const error = await expectError(await post(path, JSON.stringify(body).replace('"__DEEP__"', deep)), 400, 'nesting_above_max_depth');
        assert.match(error.message, /at most 64 levels/);
        assert.ok(error.param.length <= 260, `param of ${error.param.length} characters`);
      }
      assert.ok(!logs.some((l) => l.level === 'ERROR'), 'an error was logged');
    });
  }

  test('nesting up to max_json_depth is accepted', async () => {
    const { post } = testGateway();
    // body (1) → tools (2) → tools[0] (3) → parameters (4) …: 64 levels in all.
    assert.equal((await post('/v1/responses', { model: 'mock', input: 'x', tools: [tool(nested(61))] })).status, 200);
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', tools: [tool(nested(62))] }), 400, 'nesting_above_max_depth', /^tools\[0\]\.parameters(\.a)+$/);
  });

  test('config: limits are positive whole numbers; max_json_depth is at most 256', () => {
    for (const limits of [{ max_input_items: 0 }, { max_string_length: -1 }, { max_json_depth: 257 }, { max_json_depth: 1.5 }, { max_tools: 'many' }, { max_items: 3 }]) {
      assert.throws(() => parseConfig({ server: { limits } }), ConfigError, JSON.stringify(limits));
    }
    assert.deepEqual(parseConfig({}).server.limits, { max_input_items: 2048, max_string_length: 10_485_760, max_json_depth: 64, max_tools: 128 });
  });
});

describe('client values in errors are quoted short', () => {
  test('a 9 MB model name is a short 400; no log line carries it', async () => {
    const { post, logs } = testGateway({ server: { max_request_body_size: '12MiB' } });
    for (const model of ['m'.repeat(9_000_000), `mock/${'m'.repeat(9_000_000)}`]) {
      const res = await post('/v1/responses', { model, input: 'x' });
      const text = await res.clone().text();
      await expectError(res, 400, 'invalid_value', 'model');
      assert.ok(text.length < 1024, `a ${text.length}-byte answer`);
      const chat = await post('/v1/chat/completions', { model, messages: USER });
      assert.ok((await chat.clone().text()).length < 1024);
      await expectError(chat, 400, 'invalid_value', 'model');
    }
    for (const line of logs) assert.ok(JSON.stringify(line).length < 2048, `a log line of ${JSON.stringify(line).length} characters`);
  });

  test('an unknown model is quoted to its first 64 characters in the 404', async () => {
    const { post } = testGateway();
    const model = `gpt-${'9'.repeat(250)}`;
    const error = await expectError(await post('/v1/responses', { model, input: 'x' }), 404, 'model_not_found', 'model');
    assert.equal(error.message, `The model '${model.slice(0, 64)}…' (254 characters) does not exist or is not served by this gateway.`);
    const direct = await expectError(await post('/v1/responses', { model: `nowhere/${'x'.repeat(200)}`, input: 'x' }), 404, 'model_not_found', 'model');
    assert.ok(direct.message.length < 200);
    // Short names are quoted whole, as before.
    assert.match((await expectError(await post('/v1/responses', { model: 'gpt-9', input: 'x' }), 404, 'model_not_found')).message, /^The model 'gpt-9' does not exist/);
  });

  test('ids, keys and values a client sent are cut in messages and params', async () => {
    const { post, request } = testGateway();
    const id = `resp_${'1'.repeat(100_000)}`;
    const previous = await expectError(await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: id }), 400, 'previous_response_not_found', 'previous_response_id');
    assert.ok(previous.message.length < 200, previous.message);
    const unknown = await expectError(await post('/v1/responses', { model: 'mock', input: 'x', ['k'.repeat(100_000)]: 1 }), 400, 'unknown_parameter');
    assert.ok(unknown.param.length <= 70 && unknown.message.length < 200, unknown.message);
    const reference = await expectError(await post('/v1/responses', { model: 'mock', input: [{ type: 'item_reference', id: 'i'.repeat(100_000) }] }), 400, 'item_not_found');
    assert.ok(reference.message.length < 200);
    const retrieve = await request(`/v1/responses/${'r'.repeat(50_000)}`);
    const notFound = await expectError(retrieve, 404, 'response_not_found');
    assert.ok(notFound.message.length < 200);
    const route = await expectError(await request(`/v1/${'p'.repeat(50_000)}`), 404, 'not_found');
    assert.ok(route.message.length < 400);
  });
});
