import type { Context } from 'hono';
import { upgradeWebSocket, websocket } from 'hono/bun';
import { createGateway } from '../gateway.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { collectAfterBodies } from './collect-after-bodies.ts';
import { keysCommand } from './keys-command.ts';

/** Bun entry point: `npm run start:bun -- -config config.yaml`, and the compiled `bin/gateway`. */
async function main(): Promise<void> {
  if (Bun.argv[2] === 'keys') {
    process.exitCode = await keysCommand(Bun.argv.slice(3), console.log, console.error);
    return;
  }
  const { config, source } = await loadConfig(Bun.argv.slice(2), process.env, (path) => Bun.file(path).text());
  // Bun.gc(false) only suggests a collection: 250 requests of 9 MiB still reach about 1.0 of
  // max_bytes + 300 MB, and Bun alone 1.1 to 1.7. A synchronous one (about 35 ms) after each 32 MiB
  // of large bodies keeps them at about 0.8 (after each 64 MiB: 0.9).
  const bodies = collectAfterBodies(() => Bun.gc(true), 32 * 1024 * 1024);
  // hono/bun's upgrade finds the server in the app's environment, which here is the peer's address.
  let server: Bun.Server<unknown> | undefined;
  const gateway = createGateway(config, {
    env: process.env,
    runtime: { name: 'bun', version: Bun.version },
    bodyRead: (bytes) => bodies.read(bytes),
    upgradeWebSocket: (c, events) => upgradeWebSocket({ env: server, req: c.req } as unknown as Context, events),
  });
  const { hostname, port } = listenAddress(config, process.env);
  server = Bun.serve({
    fetch: (request, server) => {
      bodies.declared(request.headers.get('content-length'));
      return gateway.fetch(request, server.requestIP(request) ?? undefined);
    },
    hostname,
    port,
    // Bun closes connections idle for 10 s by default, which would cut off a stream whose
    // model pauses to think. `server.idle_timeout` (default 255 s, the most Bun allows) is
    // validated against `server.sse_keepalive`, whose comments keep every live stream busy.
    idleTimeout: config.server.idle_timeout / 1000,
    websocket: {
      ...websocket,
      // Far beyond the message limit: refused by Bun (close 1009) before it is buffered; up to
      // twice the limit, the gateway answers with an `error` envelope.
      maxPayloadLength: 2 * config.server.max_request_body_size,
      // A client that stops reading is disconnected rather than losing events silently.
      closeOnBackpressureLimit: true,
    },
  });
  logStarted(gateway, 'bun', Bun.version, server.url.origin, source);
  const onSignal = shutdownHandler({
    gateway,
    // Without `true`, stop() lets in-flight requests finish; it resolves when they have.
    stopAccepting: () => server.stop(false),
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((error: unknown) => {
  process.exitCode = reportStartupFailure(error, (line) => console.error(line));
});
