import { readFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { createGateway } from '../gateway.ts';
import { nodeFetch } from './node-fetch.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { keysCommand } from './keys-command.ts';

/** Node.js entry point: `npm start -- -config config.yaml`. */
async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    process.exitCode = await keysCommand(process.argv.slice(3), console.log, console.error);
    return;
  }
  const { config, source } = await loadConfig(process.argv.slice(2), process.env, (path) => readFile(path, 'utf8'));
  const gateway = createGateway(config, { env: process.env, runtime: { name: 'nodejs', version: process.versions.node }, fetch: nodeFetch });
  const { hostname, port } = listenAddress(config, process.env);
  const server = serve({ fetch: gateway.fetch, hostname, port }, (info) => {
    logStarted(gateway, 'node', process.version, `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${info.port}`, source);
  });
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
