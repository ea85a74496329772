import { reencodeEvents } from './sse.ts';
import { BAD_GATEWAY, BAD_REQUEST, FLOOR_ROUTES, NOT_FOUND, upstreamBody } from './routes.ts';

const json = (status: number, text: string) => new Response(text, { status, headers: { 'content-type': 'application/json' } });

/**
 * The floor's request handler on web APIs (Request, fetch, one
 * ReadableStream at the edge), for Bun.serve and Deno.serve: the least a
 * gateway must do there (see node.ts).
 */
export function webFloor(upstream: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'POST' || !request.url.endsWith('/v1/chat/completions')) return json(404, NOT_FOUND);
    let body: { model?: unknown; stream?: unknown };
    try {
      body = await request.json();
    } catch {
      return json(400, BAD_REQUEST);
    }
    const path = FLOOR_ROUTES[String(body?.model)];
    if (!path) return json(404, NOT_FOUND);
    let answer: Response;
    try {
      answer = await fetch(upstream + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: upstreamBody(body) });
    } catch {
      return json(502, BAD_GATEWAY);
    }
    if (body.stream !== true || !answer.body) return json(answer.status, JSON.stringify(await answer.json()));
    const reader = answer.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let rest = '';
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Reads until at least one whole event is ready, then hands all of them on at once.
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          const events = reencodeEvents(rest + decoder.decode(value, { stream: true }));
          rest = events.rest;
          if (events.out) {
            controller.enqueue(encoder.encode(events.out));
            return;
          }
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(stream, { status: answer.status, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  };
}
