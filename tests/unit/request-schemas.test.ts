import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testGateway } from '../helpers/in-memory-gateway.ts';

async function expectError(res: Response, code: string, param: string | RegExp) {
  const body = await res.json();
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, code, body.error.message);
  if (typeof param === 'string') assert.equal(body.error.param, param);
  else assert.match(body.error.param, param);
  return body.error as { message: string };
}

const USER = [{ role: 'user', content: 'Hi' }];
const CHAT = { model: 'mock', messages: USER };
const RESPONSES = { model: 'mock', input: 'Hi' };

/** Every optional Chat Completions parameter OpenAI's SDK types as `| null` (and the ones the brief of OpenAI's API lists). */
const CHAT_NULLABLE = [
  'audio', 'frequency_penalty', 'logit_bias', 'logprobs', 'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n',
  'prediction', 'presence_penalty', 'prompt_cache_retention', 'reasoning_effort', 'seed', 'service_tier', 'stop', 'store', 'stream',
  'stream_options', 'temperature', 'top_logprobs', 'top_p', 'verbosity', 'web_search_options', 'tools', 'tool_choice', 'parallel_tool_calls',
  'response_format', 'user', 'prompt_cache_key', 'safety_identifier',
];

/** The same for the Responses API. */
const RESPONSES_NULLABLE = [
  'background', 'context_management', 'conversation', 'include', 'instructions', 'max_output_tokens', 'max_tool_calls', 'metadata',
  'parallel_tool_calls', 'previous_response_id', 'prompt', 'prompt_cache_key', 'prompt_cache_retention', 'reasoning', 'safety_identifier',
  'service_tier', 'store', 'stream', 'stream_options', 'temperature', 'text', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'truncation', 'user',
];

describe('explicit null is "not set", wherever OpenAI accepts it', () => {
  test('Chat Completions: each nullable parameter alone, and all at once', async () => {
    const { post } = testGateway();
    for (const key of CHAT_NULLABLE) {
      const res = await post('/v1/chat/completions', { ...CHAT, [key]: null });
      assert.equal(res.status, 200, `${key}: ${await res.clone().text()}`);
      assert.equal((await res.json()).choices[0].message.content, 'Echo: Hi');
    }
    const all = Object.fromEntries(CHAT_NULLABLE.map((key) => [key, null]));
    assert.equal((await post('/v1/chat/completions', { ...CHAT, ...all })).status, 200);
  });

  test('Responses: each nullable parameter alone, and all at once, and nulls inside objects', async () => {
    const { post } = testGateway();
    for (const key of RESPONSES_NULLABLE) {
      const res = await post('/v1/responses', { ...RESPONSES, [key]: null });
      assert.equal(res.status, 200, `${key}: ${await res.clone().text()}`);
    }
    const all = Object.fromEntries(RESPONSES_NULLABLE.map((key) => [key, null]));
    assert.equal((await post('/v1/responses', { ...RESPONSES, ...all })).status, 200);
    const inner = { ...RESPONSES, text: { format: null, verbosity: null }, reasoning: { effort: null, summary: null }, stream_options: { include_obfuscation: null } };
    assert.equal((await post('/v1/responses', inner)).status, 200);
    assert.equal((await post('/v1/chat/completions', { ...CHAT, stream: true, stream_options: { include_usage: null, include_obfuscation: null } })).status, 200);
  });

  test('the SDK with nulls it types as allowed', async () => {
    const { post } = testGateway();
    const res = await post('/v1/chat/completions', { ...CHAT, logprobs: null, top_logprobs: null, frequency_penalty: null, presence_penalty: null, seed: null, logit_bias: null, modalities: null, audio: null, prediction: null, web_search_options: null });
    assert.equal(res.status, 200);
  });
});

describe('parameters the gateway cannot honour', () => {
  test('Chat: a value that asks for something is 400 unsupported_parameter; the neutral value is accepted', async () => {
    const { post } = testGateway();
    const refused: Array<[string, unknown]> = [
      ['logprobs', true], ['top_logprobs', 5], ['frequency_penalty', 0.5], ['presence_penalty', -1], ['seed', 42],
      ['logit_bias', { '50256': -100 }], ['modalities', ['text', 'audio']], ['audio', { voice: 'alloy', format: 'mp3' }],
      ['prediction', { type: 'content', content: 'x' }], ['web_search_options', {}],
    ];
    for (const [key, value] of refused) {
      const error = await expectError(await post('/v1/chat/completions', { ...CHAT, [key]: value }), 'unsupported_parameter', key);
      assert.match(error.message, new RegExp(`Unsupported parameter: '${key}' is not supported by this gateway`));
    }
    const neutral: Array<[string, unknown]> = [['logprobs', false], ['top_logprobs', 0], ['frequency_penalty', 0], ['presence_penalty', 0], ['logit_bias', {}], ['modalities', ['text']]];
    for (const [key, value] of neutral) assert.equal((await post('/v1/chat/completions', { ...CHAT, [key]: value })).status, 200, key);
  });

  test('Responses: conversation, prompt and context_management are refused unless null', async () => {
    const { post } = testGateway();
    for (const [key, value] of [['conversation', 'conv_1'], ['prompt', { id: 'pmpt_1' }], ['context_management', [{ type: 'compaction' }]]] as const) {
      await expectError(await post('/v1/responses', { ...RESPONSES, [key]: value }), 'unsupported_parameter', key);
    }
  });
});

describe('numbers within OpenAI\'s ranges', () => {
  test('out of range or of the wrong kind: 400 invalid_value naming the field, even for parameters the gateway refuses', async () => {
    const { post } = testGateway();
    const chat: Array<[string, unknown, RegExp]> = [
      ['top_logprobs', -1, /integer from 0 to 20/], ['top_logprobs', 21, /integer from 0 to 20/], ['top_logprobs', 1e308, /integer from 0 to 20/], ['top_logprobs', 1.5, /integer/],
      ['temperature', 2.5, /from 0 to 2/], ['temperature', -0.1, /from 0 to 2/], ['top_p', 1.01, /from 0 to 1/],
      ['frequency_penalty', 2.5, /from -2 to 2/], ['presence_penalty', -3, /from -2 to 2/], ['seed', 1.5, /integer/],
      ['max_completion_tokens', 0, /integer >= 1/], ['max_tokens', -5, /integer >= 1/],
    ];
    for (const [key, value, message] of chat) {
      const error = await expectError(await post('/v1/chat/completions', { ...CHAT, [key]: value }), 'invalid_value', key);
      assert.match(error.message, message, `${key}: ${value}`);
    }
    await expectError(await post('/v1/chat/completions', { ...CHAT, logit_bias: { '1': 101 } }), 'invalid_value', 'logit_bias.1');
    const responses: Array<[string, unknown]> = [['top_logprobs', -1], ['top_logprobs', 21], ['top_logprobs', 1e308], ['temperature', 3], ['top_p', -1], ['max_output_tokens', 0], ['max_tool_calls', 0]];
    for (const [key, value] of responses) await expectError(await post('/v1/responses', { ...RESPONSES, [key]: value }), 'invalid_value', key);
    for (const value of [0, 20]) assert.equal((await post('/v1/responses', { ...RESPONSES, top_logprobs: value })).status, 200);
  });
});

describe('objects refuse lists', () => {
  test('Responses: text, reasoning, stream_options, metadata, parameters, schemas', async () => {
    const { post } = testGateway();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ text: [] }, 'text'],
      [{ text: [{ format: { type: 'text' } }] }, 'text'],
      [{ reasoning: [] }, 'reasoning'],
      [{ stream: true, stream_options: [] }, 'stream_options'],
      [{ metadata: [] }, 'metadata'],
      [{ metadata: ['a'] }, 'metadata'],
      [{ tools: [{ type: 'function', name: 'f', parameters: [] }] }, 'tools[0].parameters'],
      [{ text: { format: { type: 'json_schema', name: 's', schema: [] } } }, 'text.format.schema'],
    ];
    for (const [extra, param] of cases) {
      const error = await expectError(await post('/v1/responses', { ...RESPONSES, ...extra }), 'invalid_type', param);
      assert.match(error.message, /expected an object/, param);
    }
  });

  test('Chat: stream_options, metadata, parameters, schemas, logit_bias, file parts', async () => {
    const { post } = testGateway();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stream: true, stream_options: [] }, 'stream_options'],
      [{ metadata: [] }, 'metadata'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }, 'tools[0].function.parameters'],
      [{ response_format: { type: 'json_schema', json_schema: { name: 's', schema: [1] } } }, 'response_format.json_schema.schema'],
      [{ logit_bias: [] }, 'logit_bias'],
      [{ messages: [{ role: 'user', content: [{ type: 'file', file: [] }] }] }, 'messages[0].content[0].file'],
    ];
    for (const [extra, param] of cases) await expectError(await post('/v1/chat/completions', { ...CHAT, ...extra }), 'invalid_type', param);
  });
});

describe('metadata as OpenAI bounds it', () => {
  for (const [path, base] of [['/v1/responses', RESPONSES], ['/v1/chat/completions', CHAT]] as const) {
    test(`${path}: at most 16 pairs, keys of at most 64 characters, string values of at most 512`, async () => {
      const { post } = testGateway();
      const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
      assert.equal((await post(path, { ...base, metadata: { ...pairs(15), ['k'.repeat(64)]: 'v'.repeat(512) } })).status, 200);
      await expectError(await post(path, { ...base, metadata: pairs(17) }), 'invalid_value', 'metadata');
      await expectError(await post(path, { ...base, metadata: { ['k'.repeat(65)]: 'v' } }), 'invalid_value', /^metadata\.k{64}…$/);
      await expectError(await post(path, { ...base, metadata: { k: 'v'.repeat(513) } }), 'invalid_value', 'metadata.k');
      await expectError(await post(path, { ...base, metadata: { k: 1 } }), 'invalid_type', 'metadata.k');
    });
  }
});
