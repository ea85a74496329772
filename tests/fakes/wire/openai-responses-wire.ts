import { fakeTokenCount, usageOf, type RenderContext, type RenderedStream, type Script, type WireProtocol } from '../script.ts';

function usage(script: Script) {
  const { input, output } = usageOf(script);
  return { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
}

function response(script: Script, model: string, status: string, output: unknown[], withUsage: boolean) {
  return {
    id: 'resp_fake', object: 'response', created_at: 1_700_000_000, status, background: false, error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: null, max_output_tokens: null, model, output, parallel_tool_calls: true, previous_response_id: null,
    reasoning: { effort: null, summary: null }, store: false, temperature: 1, text: { format: { type: 'text' } },
    tool_choice: 'auto', tools: [], top_p: 1, truncation: 'disabled', usage: withUsage ? usage(script) : null, user: null, metadata: {},
  };
}

interface Item {
  added: unknown;
  done: unknown;
  /** The item's events between added and done: before the deltas, the deltas, after them. */
  open: Record<string, unknown>[];
  deltas: Record<string, unknown>[];
  close: Record<string, unknown>[];
}

/** OpenAI's Responses API, as api.openai.com speaks it (sequence numbers from 0, `event:` lines). */
export const openAIResponsesWire: WireProtocol = {
  json(script: Script, { model }: RenderContext) {
    return response(script, model, status(script), items(script).map((i) => i.done), true);
  },

  stream(script: Script, { model }: RenderContext): RenderedStream {
    // Sequence numbers are assigned when the frames are rendered, in order.
    let seq = 0;
    const ev = (payload: Record<string, unknown>) => `event: ${payload.type}\ndata: ${JSON.stringify({ ...payload, sequence_number: seq++ })}\n\n`;
    const head = [ev({ type: 'response.created', response: response(script, model, 'in_progress', [], false) }), ev({ type: 'response.in_progress', response: response(script, model, 'in_progress', [], false) })];
    const body: string[] = [];
    const all = items(script);
    let closing: string[] = [];
    // Every item but the last is rendered whole in the head; the last one's deltas are the content events.
    all.forEach((item, index) => {
      const frames = [ev({ type: 'response.output_item.added', output_index: index, item: item.added }), ...item.open.map(ev)];
      const deltas = item.deltas.map(ev);
      const close = [...item.close.map(ev), ev({ type: 'response.output_item.done', output_index: index, item: item.done })];
      if (index < all.length - 1) head.push(...frames, ...deltas, ...close);
      else {
        head.push(...frames);
        body.push(...deltas);
        closing = close;
      }
    });
    const final = status(script);
    const tail = [...closing, ev({ type: final === 'completed' ? 'response.completed' : 'response.incomplete', response: response(script, model, final, all.map((i) => i.done), true) })];
    const failure = ev({ type: 'response.failed', response: { ...response(script, model, 'failed', [], false), error: { code: 'server_error', message: 'The model failed to generate a response.' } } });
    return { head, body, tail, failure };
  },

  /** `POST /v1/responses/input_tokens`. */
  count(body: any) {
    return { object: 'response.input_tokens', input_tokens: fakeTokenCount(body) };
  },

  error(status: number, message: string) {
    return { error: { message, type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : null } };
  },
};

function status(script: Script): string {
  return script.kind === 'text' && script.finish === 'length' ? 'incomplete' : 'completed';
}

function items(script: Script): Item[] {
  const out: Item[] = [];
  if (script.kind === 'text' && script.reasoning) {
    const text = script.reasoning.join('');
    const id = 'rs_fake';
    out.push({
      added: { type: 'reasoning', id, summary: [] },
      done: { type: 'reasoning', id, summary: [{ type: 'summary_text', text }] },
      open: [({ type: 'response.reasoning_summary_part.added', item_id: id, output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } })],
      deltas: script.reasoning.map((delta) => ({ type: 'response.reasoning_summary_text.delta', item_id: id, output_index: 0, summary_index: 0, delta })),
      close: [({ type: 'response.reasoning_summary_text.done', item_id: id, output_index: 0, summary_index: 0, text }), ({ type: 'response.reasoning_summary_part.done', item_id: id, output_index: 0, summary_index: 0, part: { type: 'summary_text', text } })],
    });
  }
  const index = out.length;
  if (script.kind === 'tool_call') {
    const args = script.args.join('');
    const base = { type: 'function_call', id: 'fc_fake', call_id: script.call_id ?? 'call_fake1', name: script.name };
    out.push({
      added: { ...base, arguments: '', status: 'in_progress' },
      done: { ...base, arguments: args, status: 'completed' },
      open: [],
      deltas: script.args.map((delta) => ({ type: 'response.function_call_arguments.delta', item_id: 'fc_fake', output_index: index, delta })),
      close: [({ type: 'response.function_call_arguments.done', item_id: 'fc_fake', output_index: index, arguments: args })],
    });
  } else {
    const chunks = script.kind === 'text' ? script.chunks : [];
    const text = chunks.join('');
    const itemStatus = status(script) === 'incomplete' ? 'incomplete' : 'completed';
    const part = { type: 'output_text', text, annotations: [] };
    out.push({
      added: { type: 'message', id: 'msg_fake', status: 'in_progress', role: 'assistant', content: [] },
      done: { type: 'message', id: 'msg_fake', status: itemStatus, role: 'assistant', content: [part] },
      open: [({ type: 'response.content_part.added', item_id: 'msg_fake', output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })],
      deltas: chunks.map((delta) => ({ type: 'response.output_text.delta', item_id: 'msg_fake', output_index: index, content_index: 0, delta, logprobs: [] })),
      close: [({ type: 'response.output_text.done', item_id: 'msg_fake', output_index: index, content_index: 0, text, logprobs: [] }), ({ type: 'response.content_part.done', item_id: 'msg_fake', output_index: index, content_index: 0, part })],
    });
  }
  return out;
}

/**
 * OpenAI's `POST /v1/responses/compact` answer (the SDK's `CompactedResponse`):
 * the user messages of the window, then one `compaction` item whose
 * `encrypted_content` only OpenAI can read (here: a fixed marker and the
 * number of items compacted, so a test can recognise it coming back).
 */
export function compactedResponse(script: Script, body: any): unknown {
  const input = typeof body?.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : Array.isArray(body?.input) ? body.input : [];
  const users = input
    .filter((item: any) => (item.type === undefined || item.type === 'message') && item.role === 'user')
    .map((item: any, i: number) => ({
      type: 'message', id: `msg_fake_user_${i}`, status: 'completed', role: 'user',
      content: typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content,
    }));
  return {
    id: 'resp_fake_compacted',
    object: 'response.compaction',
    created_at: 1_700_000_000,
    output: [...users, { type: 'compaction', id: 'cmp_fake', encrypted_content: `${FAKE_COMPACTION_PREFIX}${input.length}` }],
    usage: usage(script),
  };
}

/** What the fake's compaction items hold: the marker, then how many input items were compacted. */
export const FAKE_COMPACTION_PREFIX = 'fake-openai-compaction:';
