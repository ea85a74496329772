import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { handle } from '../../bench/fake-upstream.ts';

/** The benchmark's fake upstream must speak OpenAI's wire protocol well enough for the official SDK. */
describe('bench fake upstream', () => {
  let server: Server;
  let client: OpenAI;
  before(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as { port: number }).port}/instant/v1`, apiKey: 'x', maxRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('Responses API, JSON and stream', async () => {
    const response = await client.responses.create({ model: 'm', input: 'x' });
    assert.equal(response.output_text, Array.from({ length: 20 }, () => 'word').join(' '));
    assert.equal(response.usage?.output_tokens, 20);
    const final = await client.responses.stream({ model: 'm', input: 'x' }).finalResponse();
    assert.equal(final.status, 'completed');
    assert.equal(final.usage?.output_tokens, 20);
  });

  test('Chat Completions, JSON and stream with usage', async () => {
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(completion.choices[0]!.message.content!.split(' ').length, 20);
    let text = '';
    let usage;
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text.split(' ').length, 20);
    assert.equal(usage?.completion_tokens, 20);
  });
});
