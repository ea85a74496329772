import { upgradeWebSocket } from 'hono/deno';
import { createGateway } from '../gateway.ts';
import { loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { denoEnv, denoPeer, onDenoSignals } from './deno-env.ts';
import { collectAfterBodies } from './collect-after-bodies.ts';
import { v8MajorCollection } from './v8-major-collection.ts';

/**
 * The `deno serve` module: `deno serve -A src/adapters/deno.ts [-- -config
 * config.yaml]`. `deno serve` owns the listener (`--port`, `--host`); this
 * module provides the handler and drains in-flight requests on SIGTERM/SIGINT.
 * To let the gateway listen on `server.address` itself, run deno-run.ts.
 */
const env = denoEnv();
// Garbage of large bodies, collected in time: see collectAfterBodies.
const bodies = collectAfterBodies(v8MajorCollection(), 16 * 1024 * 1024);
const gateway = await loadConfig(Deno.args, env, (path) => Deno.readTextFile(path)).then(
  ({ config, source }) => {
    const created = createGateway(config, {
      env,
      runtime: { name: 'deno', version: Deno.version.deno },
      upgradeWebSocket: (c, events) => upgradeWebSocket(c, events),
      bodyRead: (bytes) => bodies.read(bytes),
    });
    logStarted(created, 'deno', Deno.version.deno, 'deno serve', source);
    return created;
  },
  (error: unknown) => Deno.exit(reportStartupFailure(error, (line) => console.error(line))),
);

// `deno serve` gives a module no handle on its listener: it keeps accepting until the
// process exits (readiness answers 503 meanwhile), and the last bytes of a finished
// response get a moment to leave before exit.
const FLUSH_MS = 250;
onDenoSignals(
  shutdownHandler({
    gateway,
    stopAccepting: () => gateway.drain(gateway.config.server.shutdown_grace).then(() => new Promise((resolve) => setTimeout(resolve, FLUSH_MS))),
    exit: (code) => Deno.exit(code),
  }),
);

export default {
  fetch: (request, info) => {
    bodies.declared(request.headers.get('content-length'));
    return gateway.fetch(request, denoPeer(info));
  },
} satisfies Deno.ServeDefaultExport;
