import { readFile } from 'node:fs/promises';
import { ServerResponse } from 'node:http';
import { serve, upgradeWebSocket, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { WebSocketServer } from 'ws';
import { createGateway } from '../gateway.ts';
import { NodeTransport } from './node-transport.ts';
import { NodePeer } from './node-peer.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { collectAfterBodies } from './collect-after-bodies.ts';
import { orphanDelivery, writeDelivery } from './node-delivery.ts';
import { takeDelivery } from '../streaming/track-delivery.ts';
import { keysCommand } from './keys-command.ts';
import { v8MajorCollection } from './v8-major-collection.ts';

/** Node.js entry point: `npm start -- -config config.yaml`. */
async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    process.exitCode = await keysCommand(process.argv.slice(3), console.log, console.error);
    return;
  }
  const { config, source } = await loadConfig(process.argv.slice(2), process.env, (path) => readFile(path, 'utf8'));
  const transport = new NodeTransport();
  // An asynchronous collection costs the request nothing; after each 16 MiB of large bodies it keeps
  // 250 requests of 9 MiB at about 0.85 of max_bytes + 300 MB on Node 20 and 0.9 on Node 24, where V8
  // alone reaches 1.2.
  const bodies = collectAfterBodies(v8MajorCollection(), 16 * 1024 * 1024);
  // @hono/node-server's upgrade needs its own environment, while the gateway's app gets the
  // peer's address as its environment: handshakes keep theirs here, by request.
  const handshakes = new WeakMap<Request, HttpBindings>();
  const gateway = createGateway(config, {
    env: process.env,
    runtime: { name: 'nodejs', version: process.versions.node },
    fetch: transport.fetch,
    bodyRead: (bytes) => bodies.read(bytes),
    lifecycle: { transport },
    upgradeWebSocket: (c, events) => {
      const env = handshakes.get(c.req.raw);
      if (!env) return Promise.reject(new Error('not a WebSocket handshake'));
      return upgradeWebSocket({ env, req: c.req } as unknown as Context, events);
    },
  });
  const { hostname, port } = listenAddress(config, process.env);
  // Frames far beyond the message limit are refused by ws itself (close 1009) before they are buffered;
  // up to twice the limit, the gateway answers with an `error` envelope and the connection stays.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * config.server.max_request_body_size });
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    if (env.incoming.headers.upgrade !== undefined) handshakes.set(request, env as HttpBindings);
    bodies.declared(env.incoming.headers['content-length']);
    const peer = NodePeer.of(env);
    const response = await gateway.fetch(request, peer);
    // A streamed answer goes to the socket batch by batch, without the web stream in between.
    if (!(env.outgoing instanceof ServerResponse)) return response;
    const delivery = takeDelivery(response) ?? (peer ? orphanDelivery(peer, response) : undefined);
    if (!delivery) return response;
    void writeDelivery(response, delivery, env.outgoing);
    return RESPONSE_ALREADY_SENT;
  };

  const server = serve({ fetch, hostname, port, websocket: { server: wss } }, (info) => {
    logStarted(gateway, 'node', process.version, `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${info.port}`, source);
  });
  // Node closes no busy connection by itself (requestTimeout and headersTimeout cover only the
  // request's arrival); `server.idle_timeout` closes connections silent that long, as Bun does.
  server.setTimeout(config.server.idle_timeout);
  const onSignal = shutdownHandler({
    gateway,
    stopAccepting: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would otherwise hold the server open.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((error: unknown) => {
  process.exitCode = reportStartupFailure(error, (line) => console.error(line));
});
