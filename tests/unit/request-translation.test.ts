import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChatRequestSchema } from '../../src/chat-completions/request-schema.ts';
import { chatToCanonical } from '../../src/chat-completions/to-canonical.ts';
import { InvalidRequestError } from '../../src/errors/gateway-error.ts';
import { toAnthropicRequest } from '../../src/providers/anthropic/to-anthropic-request.ts';
import { toChatRequest } from '../../src/providers/openai-chat/to-chat-request.ts';
import { toGeminiRequest } from '../../src/providers/gemini/to-gemini-request.ts';
import { toResponsesRequest } from '../../src/providers/openai/to-responses-request.ts';
import type { CanonicalRequest } from '../../src/providers/provider.ts';
import type { ContentPart, ConversationItem, Role } from '../../src/canonical/types.ts';
import * as v from 'valibot';

const msg = (role: Role, content: ContentPart[]): ConversationItem => ({ type: 'message', id: `msg_${role}`, role, status: 'completed', content });
const PARAMETERS = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

/** Everything a request can hold: roles, images by URL and data URL, parallel calls and their results, reasoning. */
const RICH: CanonicalRequest = {
  model: 'm',
  instructions: 'Be brief.',
  input: [
    msg('system', [{ type: 'input_text', text: 'System rule.' }]),
    msg('developer', [{ type: 'input_text', text: 'Developer rule.' }]),
    msg('user', [
      { type: 'input_text', text: 'What is in these?' },
      { type: 'input_image', image_url: 'https://example.test/cat.png', detail: 'high' },
      { type: 'input_image', image_url: 'data:image/jpeg;base64,AAAA', detail: 'auto' },
    ]),
    msg('assistant', [{ type: 'output_text', text: 'Let me check.', annotations: [] }]),
    { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}', status: 'completed' },
    { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'lookup', arguments: '{"q":"dog"}', status: 'completed' },
    { type: 'function_call_output', id: 'fco_1', call_id: 'call_1', output: 'a cat', status: 'completed' },
    { type: 'function_call_output', id: 'fco_2', call_id: 'call_2', output: 'a dog', status: 'completed' },
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
    msg('user', [{ type: 'input_text', text: 'Thanks' }]),
  ],
  tools: [{ type: 'function', name: 'lookup', description: 'Looks up', parameters: PARAMETERS, strict: true }],
  tool_choice: { type: 'function', name: 'lookup' },
  parallel_tool_calls: false,
  temperature: 0.5,
  top_p: 0.9,
  max_output_tokens: 100,
  stop: ['END'],
  text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
  reasoning: null,
  user: 'u-1',
};

const SIMPLE: CanonicalRequest = {
  ...RICH,
  instructions: null,
  input: [msg('user', [{ type: 'input_text', text: 'Hi' }])],
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  stop: undefined,
  text: { format: { type: 'text' } },
  user: null,
};

const rejects = (fn: () => unknown, param: string, message: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.param, param);
    assert.match(error.message, message);
    return true;
  });

describe('canonical → Chat Completions', () => {
  test('every part of a rich request', () => {
    assert.deepEqual(toChatRequest(RICH, true, { type: 'openai', maxTokensField: 'max_completion_tokens' }), {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'System rule.' },
        { role: 'system', content: 'Developer rule.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA', detail: 'auto' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } },
            { id: 'call_2', type: 'function', function: { name: 'lookup', arguments: '{"q":"dog"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        { role: 'tool', tool_call_id: 'call_2', content: 'a dog' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: PARAMETERS, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      max_completion_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('a simple request stays minimal; compatible servers get max_tokens; json_object; file_id images are refused', () => {
    assert.deepEqual(toChatRequest(SIMPLE, false, { type: 'openai', maxTokensField: 'max_completion_tokens' }), { model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    const compat = toChatRequest({ ...SIMPLE, max_output_tokens: 5, text: { format: { type: 'json_object' } } }, false, { type: 'openai_compatible', maxTokensField: 'max_tokens' });
    assert.equal(compat.max_tokens, 5);
    assert.deepEqual(compat.response_format, { type: 'json_object' });
    const byFile = { ...SIMPLE, input: [msg('user', [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }])] };
    rejects(() => toChatRequest(byFile, false, { type: 'openai_compatible', maxTokensField: 'max_tokens' }), 'input[0].content[0]', /file_id is not supported by openai_compatible providers/);
  });
});

describe('canonical → OpenAI Responses', () => {
  test('items without ids, reasoning left out, store false', () => {
    const { stop: _stop, ...noStop } = RICH;
    const body = toResponsesRequest(noStop, true);
    assert.deepEqual(body, {
      model: 'm',
      input: [
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'System rule.' }] },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Developer rule.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in these?' },
            { type: 'input_image', detail: 'high', image_url: 'https://example.test/cat.png' },
            { type: 'input_image', detail: 'auto', image_url: 'data:image/jpeg;base64,AAAA' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' },
        { type: 'function_call', call_id: 'call_2', name: 'lookup', arguments: '{"q":"dog"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a cat' },
        { type: 'function_call_output', call_id: 'call_2', output: 'a dog' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
      ],
      store: false,
      instructions: 'Be brief.',
      tools: [{ type: 'function', name: 'lookup', description: 'Looks up', parameters: PARAMETERS, strict: true }],
      tool_choice: { type: 'function', name: 'lookup' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      user: 'u-1',
      stream: true,
    });
  });

  test('stop sequences cannot be expressed: 400 naming the parameter', () => {
    rejects(() => toResponsesRequest(RICH, false), 'stop', /`stop` is not supported by openai \(api: responses\) providers/);
  });
});

describe('canonical → Anthropic Messages', () => {
  test('system hoisted, tool_use in the assistant turn, tool_result first in the next user turn, images as url and base64 sources', () => {
    assert.deepEqual(toAnthropicRequest(RICH, true, 4096), {
      model: 'm',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { type: 'url', url: 'https://example.test/cat.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'call_1', name: 'lookup', input: { q: 'cat' } },
            { type: 'tool_use', id: 'call_2', name: 'lookup', input: { q: 'dog' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'a cat' },
            { type: 'tool_result', tool_use_id: 'call_2', content: 'a dog' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      system: 'Be brief.\n\nSystem rule.\n\nDeveloper rule.',
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: PARAMETERS }],
      tool_choice: { type: 'tool', name: 'lookup', disable_parallel_tool_use: true },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
    });
  });

  test('max_tokens defaults from the provider; tool_choice forms; a truncated arguments string is sent as {}', () => {
    assert.deepEqual(toAnthropicRequest(SIMPLE, false, 4096), { model: 'm', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
    const tools = { ...SIMPLE, tools: RICH.tools };
    assert.deepEqual(toAnthropicRequest({ ...tools, tool_choice: 'auto' }, false, 1).tool_choice, { type: 'auto' });
    assert.deepEqual(toAnthropicRequest({ ...tools, tool_choice: 'required' }, false, 1).tool_choice, { type: 'any' });
    assert.deepEqual(toAnthropicRequest({ ...tools, tool_choice: 'none' }, false, 1).tool_choice, { type: 'none' });
    const cut = { ...SIMPLE, input: [{ type: 'function_call' as const, id: '', call_id: 'c', name: 'f', arguments: '{"q":"unfinis', status: 'incomplete' as const }] };
    assert.deepEqual((toAnthropicRequest(cut, false, 1).messages as any)[0].content[0].input, {});
  });
});

describe('canonical → Gemini', () => {
  test('systemInstruction, functionCall/functionResponse named from the call, inlineData and fileData, generationConfig', () => {
    assert.deepEqual(toGeminiRequest(RICH), {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in these?' },
            { fileData: { fileUri: 'https://example.test/cat.png', mimeType: 'image/png' } },
            { inlineData: { mimeType: 'image/jpeg', data: 'AAAA' } },
          ],
        },
        { role: 'model', parts: [{ text: 'Let me check.' }, { functionCall: { name: 'lookup', args: { q: 'cat' } } }, { functionCall: { name: 'lookup', args: { q: 'dog' } } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'lookup', response: { output: 'a cat' } } },
            { functionResponse: { name: 'lookup', response: { output: 'a dog' } } },
            { text: 'Thanks' },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.\n\nSystem rule.\n\nDeveloper rule.' }] },
      tools: [{ functionDeclarations: [{ name: 'lookup', description: 'Looks up', parametersJsonSchema: PARAMETERS }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup'] } },
      generationConfig: { temperature: 0.5, topP: 0.9, maxOutputTokens: 100, stopSequences: ['END'], responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } },
    });
  });

  test('a function result whose call is not in the conversation is a 400; file_id images too', () => {
    const orphan = { ...SIMPLE, input: [{ type: 'function_call_output' as const, id: '', call_id: 'call_x', output: 'r', status: 'completed' as const }] };
    rejects(() => toGeminiRequest(orphan), 'input[0].call_id', /No function_call with call_id 'call_x'/);
    rejects(() => toGeminiRequest({ ...SIMPLE, input: [msg('user', [{ type: 'input_image', file_id: 'f', detail: 'auto' }])] }), 'input[0].content[0]', /not supported by gemini providers/);
    assert.deepEqual(toGeminiRequest({ ...SIMPLE, tools: RICH.tools, tool_choice: 'none' }).toolConfig, { functionCallingConfig: { mode: 'NONE' } });
    assert.deepEqual(toGeminiRequest({ ...SIMPLE, text: { format: { type: 'json_object' } } }).generationConfig, { responseMimeType: 'application/json' });
  });
});

describe('Chat Completions request → canonical', () => {
  test('messages, tool calls and results, tools, formats and limits', () => {
    const request = v.parse(ChatRequestSchema, {
      model: 'x',
      messages: [
        { role: 'system', content: 'Rule.' },
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://example.test/a.png' } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_9', content: [{ type: 'text', text: 'found' }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: PARAMETERS } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
      max_tokens: 9,
      stop: 'END',
      reasoning_effort: 'low',
    });
    const canonical = chatToCanonical(request, 'upstream-x');
    assert.equal(canonical.model, 'upstream-x');
    assert.deepEqual(canonical.input, [
      { type: 'message', id: '', role: 'system', status: 'completed', content: [{ type: 'input_text', text: 'Rule.' }] },
      { type: 'message', id: '', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'https://example.test/a.png', detail: 'auto' }] },
      { type: 'message', id: '', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'function_call', id: '', call_id: 'call_9', name: 'lookup', arguments: '{}', status: 'completed' },
      { type: 'function_call_output', id: '', call_id: 'call_9', output: 'found', status: 'completed' },
    ]);
    assert.deepEqual(canonical.tools, [{ type: 'function', name: 'lookup', description: null, parameters: PARAMETERS, strict: null }]);
    assert.deepEqual(canonical.tool_choice, { type: 'function', name: 'lookup' });
    assert.deepEqual(canonical.text, { format: { type: 'json_schema', name: 'r', schema: { type: 'object' } } });
    assert.equal(canonical.max_output_tokens, 9);
    assert.deepEqual(canonical.stop, ['END']);
    assert.deepEqual(canonical.reasoning, { effort: 'low', summary: null });
  });
});
