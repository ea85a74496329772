import { readFile } from 'node:fs/promises';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import type { ClientAddress } from '../core/client-address.ts';
import { createGateway } from '../gateway.ts';
import { NodeTransport } from './node-transport.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { keysCommand } from './keys-command.ts';

/** Node.js entry point: `npm start -- -config config.yaml`. */
async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    process.exitCode = await keysCommand(process.argv.slice(3), console.log, console.error);
    return;
  }
  const { config, source } = await loadConfig(process.argv.slice(2), process.env, (path) => readFile(path, 'utf8'));
  const transport = new NodeTransport();
  const gateway = createGateway(config, { env: process.env, runtime: { name: 'nodejs', version: process.versions.node }, fetch: transport.fetch, lifecycle: { transport } });
  const { hostname, port } = listenAddress(config, process.env);
  const server = serve({ fetch: (request, env) => gateway.fetch(request, nodePeer(env)), hostname, port }, (info) => {
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

/** The peer as node:http saw it; a socket that has already closed has no address. */
function nodePeer(env: HttpBindings | Http2Bindings): ClientAddress | undefined {
  const socket = env.incoming.socket;
  const address = socket.remoteAddress;
  return address === undefined ? undefined : { address, port: socket.remotePort };
}

main().catch((error: unknown) => {
  process.exitCode = reportStartupFailure(error, (line) => console.error(line));
});
