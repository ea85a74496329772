/**
 * The benchmark's upstream: a stand-in for OpenAI that speaks its wire
 * protocol over real HTTP (Responses API and Chat Completions, JSON and SSE)
 * as fast as it can, so that what is measured is the gateway. Its own process:
 *
 *   node --import tsx bench/fake-upstream.ts PORT
 *
 * Two personalities, chosen by path prefix so one process serves both:
 *   /instant/v1/...    reply at once; streams send 20 chunks back to back
 *   /realistic/v1/...  first byte after 200 ms, then 50 chunks 10 ms apart
 *                      (a non-streamed reply takes the same 700 ms)
 * A `stream_chunks` field in the body overrides the chunk count.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface Personality {
  ttfbMs: number;
  chunks: number;
  chunkDelayMs: number;
}

export const PERSONALITIES: Record<string, Personality> = {
  instant: { ttfbMs: 0, chunks: 20, chunkDelayMs: 0 },
  realistic: { ttfbMs: 200, chunks: 50, chunkDelayMs: 10 },
};

const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);
let counter = 0;
const id = (prefix: string) => `${prefix}_bench${(++counter).toString(16).padStart(12, '0')}`;
const usage = (chunks: number) => ({ input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: chunks, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 + chunks });

function responseObject(model: string, text: string, chunks: number, status: 'in_progress' | 'completed') {
  const done = status === 'completed';
  return {
    id: id('resp'), object: 'response', created_at: Math.floor(Date.now() / 1000), status, background: false, error: null,
    incomplete_details: null, instructions: null, max_output_tokens: null, max_tool_calls: null, model,
    output: done ? [{ type: 'message', id: id('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }] : [],
    parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, service_tier: 'default', store: false,
    temperature: 1, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1, truncation: 'disabled',
    usage: done ? usage(chunks) : null, user: null, metadata: {},
  };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'word' : ' word'));

async function responses(res: ServerResponse, body: any, p: Personality): Promise<void> {
  const chunks = body.stream_chunks ?? p.chunks;
  const text = words(chunks).join('');
  await sleep(p.ttfbMs);
  if (!body.stream) {
    await sleep(p.chunkDelayMs * chunks);
    const json = JSON.stringify(responseObject(body.model, text, chunks, 'completed'));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  const send = (event: Record<string, unknown>) => res.write(`event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: seq++ })}\n\n`);
  const start = responseObject(body.model, '', chunks, 'in_progress');
  const itemId = id('msg');
  send({ type: 'response.created', response: start });
  send({ type: 'response.in_progress', response: start });
  send({ type: 'response.output_item.added', output_index: 0, item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
  send({ type: 'response.content_part.added', item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
  for (const delta of words(chunks)) {
    await sleep(p.chunkDelayMs);
    send({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta, logprobs: [] });
  }
  const part = { type: 'output_text', text, annotations: [] };
  send({ type: 'response.output_text.done', item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] });
  send({ type: 'response.content_part.done', item_id: itemId, output_index: 0, content_index: 0, part });
  const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
  send({ type: 'response.output_item.done', output_index: 0, item });
  send({ type: 'response.completed', response: { ...responseObject(body.model, text, chunks, 'completed'), id: start.id, output: [item] } });
  res.end();
}

async function chatCompletions(res: ServerResponse, body: any, p: Personality): Promise<void> {
  const chunks = body.stream_chunks ?? p.chunks;
  const created = Math.floor(Date.now() / 1000);
  const completionId = id('chatcmpl');
  const tokens = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks };
  await sleep(p.ttfbMs);
  if (!body.stream) {
    await sleep(p.chunkDelayMs * chunks);
    const json = JSON.stringify({
      id: completionId, object: 'chat.completion', created, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: words(chunks).join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: tokens,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null) =>
    res.write(`data: ${JSON.stringify({ id: completionId, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
  chunk({ role: 'assistant', content: '' }, null);
  for (const delta of words(chunks)) {
    await sleep(p.chunkDelayMs);
    chunk({ content: delta }, null);
  }
  chunk({}, 'stop');
  if (body.stream_options?.include_usage) {
    res.write(`data: ${JSON.stringify({ id: completionId, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: tokens })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

export function handle(req: IncomingMessage, res: ServerResponse): void {
  const [, personality, version, ...rest] = (req.url ?? '').split('?')[0]!.split('/');
  const p = PERSONALITIES[personality ?? ''];
  const route = rest.join('/');
  if (!p || version !== 'v1' || req.method !== 'POST' || (route !== 'responses' && route !== 'chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString() || '{}');
    void (route === 'responses' ? responses(res, body, p) : chatCompletions(res, body, p)).catch(() => res.destroy());
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 0);
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ listening: (server.address() as { port: number }).port })));
}
