import { sse, usageOf, type RenderContext, type RenderedStream, type Script, type WireProtocol } from '../script.ts';

const CREATED = 1_700_000_000;

function usage(script: Script) {
  const { input, output } = usageOf(script);
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function chunk(model: string, delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) {
  return { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
}

/** OpenAI Chat Completions, as api.openai.com (and Azure, vLLM, Ollama) speak it. */
export const chatCompletionsWire: WireProtocol = {
  json(script: Script, { model }: RenderContext) {
    const message =
      script.kind === 'tool_call'
        ? { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [{ id: script.call_id ?? 'call_fake1', type: 'function', function: { name: script.name, arguments: script.args.join('') } }] }
        : { role: 'assistant', content: script.kind === 'text' ? script.chunks.join('') : '', refusal: null, annotations: [] };
    const finish = script.kind === 'tool_call' ? 'tool_calls' : script.kind === 'text' && script.finish === 'length' ? 'length' : 'stop';
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage: usage(script),
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
  },

  stream(script: Script, { model, includeUsage }: RenderContext): RenderedStream {
    const usageExtra = includeUsage ? { usage: null } : {};
    const head = [sse(chunk(model, { role: 'assistant', content: '', refusal: null }, null, usageExtra))];
    let body: string[];
    let finish: string;
    if (script.kind === 'tool_call') {
      const id = script.call_id ?? 'call_fake1';
      head.push(sse(chunk(model, { tool_calls: [{ index: 0, id, type: 'function', function: { name: script.name, arguments: '' } }] }, null, usageExtra)));
      body = script.args.map((a) => sse(chunk(model, { tool_calls: [{ index: 0, function: { arguments: a } }] }, null, usageExtra)));
      finish = 'tool_calls';
    } else {
      const chunks = script.kind === 'text' ? script.chunks : [];
      body = chunks.map((c) => sse(chunk(model, { content: c }, null, usageExtra)));
      finish = script.kind === 'text' && script.finish === 'length' ? 'length' : 'stop';
    }
    const tail = [sse(chunk(model, {}, finish, usageExtra))];
    if (includeUsage) tail.push(sse({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_fake', choices: [], usage: usage(script) }));
    tail.push(sse('[DONE]'));
    return { head, body, tail, failure: sse({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }) };
  },

  error(status: number, message: string) {
    const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : null } };
  },
};
