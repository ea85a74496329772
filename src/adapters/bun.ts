import { createGateway } from '../gateway.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { keysCommand } from './keys-command.ts';

/** Bun entry point: `npm run start:bun -- -config config.yaml`, and the compiled `bin/gateway`. */
async function main(): Promise<void> {
  if (Bun.argv[2] === 'keys') {
    process.exitCode = await keysCommand(Bun.argv.slice(3), console.log, console.error);
    return;
  }
  const { config, source } = await loadConfig(Bun.argv.slice(2), process.env, (path) => Bun.file(path).text());
  const gateway = createGateway(config, { env: process.env, runtime: { name: 'bun', version: Bun.version } });
  const { hostname, port } = listenAddress(config, process.env);
  const server = Bun.serve({
    fetch: (request, server) => gateway.fetch(request, server.requestIP(request) ?? undefined),
    hostname,
    port,
    // Bun closes connections idle for 10 s by default, which would cut off a stream whose
    // model pauses to think. `server.idle_timeout` (default 255 s, the most Bun allows) is
    // validated against `server.sse_keepalive`, whose comments keep every live stream busy.
    idleTimeout: config.server.idle_timeout / 1000,
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
