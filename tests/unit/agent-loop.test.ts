import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { specCheckingFetch } from '../helpers/open-responses-spec.ts';

/**
 * What a new user tries first: an agent with one function tool against the
 * default config (no config file: the mock model). The AI SDK's Responses
 * model drives the loop: the mock calls the tool the question names, the SDK
 * runs it and sends the output back, the mock answers with it.
 */
function agentModel() {
  const { gateway, logs } = testGateway();
  const provider = createOpenAI({
    baseURL: 'http://gateway.test/v1',
    apiKey: 'client-key',
    fetch: specCheckingFetch((url, init) => gateway.fetch(new Request(url, init))) as typeof fetch,
  });
  return { model: provider.responses('mock'), logs };
}

/**
 * With `store: true` the AI SDK sends earlier output back as `item_reference`s
 * to items of stored responses, which the gateway resolves only within a
 * `previous_response_id` chain; with `store: false` it sends the items.
 */
const SEND_ITEMS = { openai: { store: false } };

const calls: Array<{ city: string }> = [];
const tools = {
  get_weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push({ city });
      return { city, temperature_c: 21 };
    },
  }),
};

describe('an agent loop with one function tool against the default config (AI SDK, Responses API)', () => {
  test('generateText: the tool is called with arguments from its schema, its output comes back, the answer mentions it', async () => {
    calls.length = 0;
    const { model } = agentModel();
    const result = await generateText({ model, tools, stopWhen: stepCountIs(4), prompt: 'What is the weather in Oslo?', providerOptions: SEND_ITEMS });
    assert.equal(result.steps.length, 2);
    assert.deepEqual(result.steps[0]!.toolCalls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Oslo' }]]);
    assert.deepEqual(calls, [{ city: 'Oslo' }]);
    assert.equal(result.finishReason, 'stop');
    assert.match(result.text, /^Tool result: .*"temperature_c":21/);
  });

  test('streamText: the same loop over streamed responses, arguments arriving as deltas', async () => {
    calls.length = 0;
    const { model } = agentModel();
    const result = streamText({ model, tools, stopWhen: stepCountIs(4), prompt: 'Weather in Bergen', providerOptions: SEND_ITEMS });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    assert.ok(parts.includes('tool-input-delta'), parts.join(' '));
    assert.ok(parts.includes('tool-result'));
    assert.deepEqual(calls, [{ city: 'Bergen' }]);
    assert.match(await result.text, /temperature_c/);
  });
});
