/**
 * The Node floor: the least a gateway must do on node:http, measured beside
 * the gateway by bench/run.ts. It accepts a Chat Completions request, parses
 * it, makes one upstream call over a keep-alive agent, and parses and
 * serialises again the JSON answer or each SSE event of a stream.
 *
 *   PORT=0 BENCH_UPSTREAM=http://127.0.0.1:PORT node --import tsx bench/floors/node.ts
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { reencodeEvents } from './sse.ts';
import { BAD_GATEWAY, BAD_REQUEST, FLOOR_ROUTES, NOT_FOUND, upstreamBody } from './routes.ts';

export function nodeFloor(upstream: string): Server {
  const { hostname, port } = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  return createServer((req, res) => {
    const fail = (status: number, message: string) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(status, { 'content-type': 'application/json', 'content-length': message.length }).end(message);
    };
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      req.resume();
      fail(404, NOT_FOUND);
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      let body: { model?: unknown; stream?: unknown };
      try {
        body = JSON.parse(Buffer.concat(parts).toString());
      } catch {
        fail(400, BAD_REQUEST);
        return;
      }
      const path = FLOOR_ROUTES[String(body?.model)];
      if (!path) {
        fail(404, NOT_FOUND);
        return;
      }
      const payload = upstreamBody(body);
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: 'Bearer bench' };
      const call = request({ hostname, port, path, method: 'POST', agent, headers }, (answer) => {
        answer.setEncoding('utf8');
        if (body.stream !== true) {
          let text = '';
          answer.on('data', (chunk: string) => (text += chunk));
          answer.on('end', () => {
            const out = JSON.stringify(JSON.parse(text));
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let rest = '';
        answer.on('data', (chunk: string) => {
          const events = reencodeEvents(rest + chunk);
          rest = events.rest;
          // One write for all the events that arrived together.
          if (events.out) res.write(events.out);
        });
        answer.on('end', () => res.end());
      });
      call.on('error', () => fail(502, BAD_GATEWAY));
      // A client gone mid-answer ends the upstream call too (after a whole answer the socket stays pooled).
      res.on('close', () => {
        if (!res.writableFinished) call.destroy();
      });
      call.end(payload);
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = nodeFloor(process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:8080');
  server.keepAliveTimeout = 60_000;
  // An exit, not a death by signal, so that a `--cpu-prof` profile is written (bench/profile.ts).
  process.on('SIGTERM', () => process.exit(0));
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ listening: (server.address() as { port: number }).port })));
}
