import { createGateway } from '../gateway.ts';
import { loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { denoEnv, onDenoSignals } from './deno-env.ts';

/**
 * The `deno serve` module: `deno serve -A src/adapters/deno.ts [-- -config
 * config.yaml]`. `deno serve` owns the listener (`--port`, `--host`); this
 * module provides the handler and drains in-flight requests on SIGTERM/SIGINT.
 * To let the gateway listen on `server.address` itself, run deno-run.ts.
 */
const env = denoEnv();
const gateway = await loadConfig(Deno.args, env, (path) => Deno.readTextFile(path)).then(
  ({ config, source }) => {
    const created = createGateway(config);
    logStarted(created, 'deno', Deno.version.deno, 'deno serve', source);
    return created;
  },
  (error: unknown) => Deno.exit(reportStartupFailure(error, (line) => console.error(line))),
);

// `deno serve` keeps accepting until the process exits; readiness turns 503 meanwhile.
onDenoSignals(shutdownHandler({ gateway, stopAccepting: () => {}, exit: (code) => Deno.exit(code) }));

export default { fetch: gateway.fetch } satisfies Deno.ServeDefaultExport;
