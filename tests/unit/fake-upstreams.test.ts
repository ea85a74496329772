import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream.ts';

/**
 * The fakes are only worth what their fidelity is: each official SDK, pointed
 * at them, must parse their JSON, streams and errors as it parses the real
 * service's.
 */
const fake = new FakeUpstream();
before(async () => {
  await fake.start();
  fake.script('tool', { kind: 'tool_call', name: 'get_weather', args: ['{"city":', '"Oslo"}'] });
  fake.script('think', { kind: 'text', chunks: ['4', '2'], reasoning: ['Six', ' times seven'] });
  fake.script('fails', { kind: 'text', chunks: ['a', 'b', 'c'], failAfter: 1 });
  fake.script('e429', { kind: 'error', status: 429, headers: { 'retry-after': '3' } });
  fake.script('e529', { kind: 'error', status: 529, message: 'Overloaded' });
  fake.script('e503', { kind: 'error', status: 503, message: 'The model is overloaded.' });
});
after(() => fake.stop());

describe('the fake upstreams, checked with each official SDK', () => {
  test('openai SDK: chat.completions (JSON, stream with usage, tool call, error chunk) and responses (create, stream helper)', async () => {
    const client = new OpenAI({ baseURL: `${fake.baseUrl}/v1`, apiKey: 'k', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(completion.choices[0]!.message.content, 'Hello from the fake');
    assert.equal(completion.usage?.total_tokens, 18);
    const stream = await client.chat.completions.create({ model: 'tool', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    let args = '';
    let usage;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      usage ??= chunk.usage ?? undefined;
    }
    assert.equal(args, '{"city":"Oslo"}');
    assert.equal(usage?.completion_tokens, 7);
    await assert.rejects(async () => {
      for await (const _ of await client.chat.completions.create({ model: 'fails', messages: [{ role: 'user', content: 'x' }], stream: true }));
    }, OpenAI.APIError);
    const response = await client.responses.create({ model: 'think', input: 'x' });
    assert.equal(response.output_text, '42');
    const final = await client.responses.stream({ model: 'think', input: 'x' }).finalResponse();
    assert.deepEqual(final.output.map((item) => item.type), ['reasoning', 'message']);
    assert.equal(final.usage?.output_tokens, 7);
    await assert.rejects(client.responses.create({ model: 'e429', input: 'x' }), OpenAI.RateLimitError);
  });

  test('@anthropic-ai/sdk: messages.create and messages.stream() with thinking and tool use; error statuses and the error event', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: fake.baseUrl, maxRetries: 0 });
    const message = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the fake' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.match(fake.last('m').headers['anthropic-version']!, /^\d{4}-\d\d-\d\d$/);
    const thought = await client.messages.stream({ model: 'think', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    assert.deepEqual(thought.content.map((b) => b.type), ['thinking', 'text']);
    assert.deepEqual([thought.usage.input_tokens, thought.usage.output_tokens], [11, 7]);
    const tool = await client.messages.stream({ model: 'tool', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    assert.deepEqual(tool.content, [{ type: 'tool_use', id: 'toolu_fake1', name: 'get_weather', input: { city: 'Oslo' } }]);
    assert.equal(tool.stop_reason, 'tool_use');
    await assert.rejects(client.messages.create({ model: 'e529', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.status, 529);
      return true;
    });
    await assert.rejects(client.messages.stream({ model: 'fails', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage(), /Overloaded/);
  });

  test('@google/genai: generateContent and generateContentStream with running usage and function calls; errors', async () => {
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.baseUrl } });
    const answer = await ai.models.generateContent({ model: 'm', contents: 'x' });
    assert.equal(answer.text, 'Hello from the fake');
    assert.equal(answer.usageMetadata?.candidatesTokenCount, 7);
    assert.equal(fake.last('m').headers['x-goog-api-key'], 'k');
    let text = '';
    let last;
    for await (const chunk of await ai.models.generateContentStream({ model: 'm', contents: 'x' })) {
      text += chunk.text ?? '';
      last = chunk;
    }
    assert.equal(text, 'Hello from the fake');
    assert.equal(last?.usageMetadata?.totalTokenCount, 18);
    assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
    const call = await ai.models.generateContent({ model: 'tool', contents: 'x' });
    assert.deepEqual(call.functionCalls?.map((c) => [c.name, c.args]), [['get_weather', { city: 'Oslo' }]]);
    await assert.rejects(ai.models.generateContent({ model: 'e503', contents: 'x' }), /overloaded/);
  });

  test('the counting endpoints, through each official client: responses.inputTokens.count, messages.countTokens, models.countTokens', async () => {
    const openai = new OpenAI({ baseURL: `${fake.baseUrl}/v1`, apiKey: 'k', maxRetries: 0 });
    const counted = await openai.responses.inputTokens.count({ model: 'count-o', input: 'one two three', instructions: 'be brief' });
    assert.deepEqual(counted, { object: 'response.input_tokens', input_tokens: 5 });
    assert.equal(fake.last('count-o').path, '/v1/responses/input_tokens');
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.baseUrl, maxRetries: 0 });
    const tokens = await anthropic.messages.countTokens({ model: 'count-a', system: 'be brief', messages: [{ role: 'user', content: 'one two three' }] });
    assert.deepEqual(tokens, { input_tokens: 5 });
    assert.equal(fake.last('count-a').path, '/v1/messages/count_tokens');
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.baseUrl } });
    const gemini = await ai.models.countTokens({ model: 'count-g', contents: 'one two three' });
    assert.equal(gemini.totalTokens, 3);
    assert.equal(fake.last('count-g').path, '/v1beta/models/count-g:countTokens');
    fake.script('count-e429', { kind: 'error', status: 429, headers: { 'retry-after': '3' } });
    await assert.rejects(anthropic.messages.countTokens({ model: 'count-e429', messages: [{ role: 'user', content: 'x' }] }), Anthropic.RateLimitError);
  });
});
