import { fakeTokenCount, sse, usageOf, type RenderContext, type RenderedStream, type Script, type WireProtocol } from '../script.ts';

function stopReason(script: Script): string {
  return script.kind === 'tool_call' ? 'tool_use' : script.kind === 'text' && script.finish === 'length' ? 'max_tokens' : 'end_turn';
}

function blocks(script: Script): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (script.kind === 'text' && script.reasoning) out.push({ type: 'thinking', thinking: script.reasoning.join(''), signature: 'sig_fake' });
  if (script.kind === 'tool_call') out.push({ type: 'tool_use', id: script.call_id ?? 'toolu_fake1', name: script.name, input: JSON.parse(script.args.join('')) });
  else out.push({ type: 'text', text: script.kind === 'text' ? script.chunks.join('') : '' });
  return out;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Anthropic's Messages API: every stream event has an `event:` line; pings anywhere; input usage at the start, cumulative output at the end. */
export const anthropicWire: WireProtocol = {
  json(script: Script, { model }: RenderContext) {
    const { input, output } = usageOf(script);
    return {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: blocks(script),
      stop_reason: stopReason(script),
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
    };
  },

  stream(script: Script, { model }: RenderContext): RenderedStream {
    const { input, output } = usageOf(script);
    const ev = (payload: Record<string, unknown>) => sse(payload, payload.type as string);
    const head = [
      ev({
        type: 'message_start',
        message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
      }),
      ev({ type: 'ping' }),
    ];
    let index = 0;
    if (script.kind === 'text' && script.reasoning) {
      head.push(ev({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      for (const thinking of script.reasoning) head.push(ev({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } }));
      head.push(ev({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig_fake' } }));
      head.push(ev({ type: 'content_block_stop', index }));
      index++;
    }
    let body: string[];
    if (script.kind === 'tool_call') {
      head.push(ev({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: script.call_id ?? 'toolu_fake1', name: script.name, input: {} } }));
      body = script.args.map((partial_json) => ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }));
    } else {
      head.push(ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      body = (script.kind === 'text' ? script.chunks : []).map((text) => ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
    }
    // A ping in the middle of the content, as Anthropic may send one anywhere.
    if (body.length > 1) body[1] = ev({ type: 'ping' }) + body[1];
    const tail = [
      ev({ type: 'content_block_stop', index }),
      ev({ type: 'message_delta', delta: { stop_reason: stopReason(script), stop_sequence: null }, usage: { output_tokens: output } }),
      ev({ type: 'message_stop' }),
    ];
    return { head, body, tail, failure: ev({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) };
  },

  /** `POST /v1/messages/count_tokens`. */
  count(body: any) {
    return { input_tokens: fakeTokenCount(body) };
  },

  error(status: number, message: string) {
    return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
  },
};
