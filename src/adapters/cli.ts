import { ConfigError } from '../config/config-error.ts';
import type { Env } from '../config/expand-env.ts';
import { parseConfig, parseConfigText } from '../config/parse-config.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { ListenAddress } from '../config/units.ts';
import type { Gateway } from '../gateway.ts';

/**
 * What the three runtime adapters share: reading flags and environment,
 * loading the config, the start-up log line and graceful shutdown. It only
 * uses what the adapters pass in, so it runs on every runtime.
 */

export const USAGE = `usage: gateway [-config PATH | --config PATH]
       gateway keys new NAME    print a new API key and its config lines

  -config, --config PATH   YAML config file (also: GATEWAY_CONFIG=PATH);
                           without one, built-in defaults serve the mock model
  PORT=N                   listen on port N instead of server.address's port`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The config path from `-config PATH`, `--config PATH`, `--config=PATH` or `GATEWAY_CONFIG`. */
export function configPathFrom(args: readonly string[], env: Env): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') continue;
    const inline = /^--?config=(.*)$/.exec(arg);
    if (inline) {
      path = inline[1];
    } else if (arg === '-config' || arg === '--config') {
      path = args[++i];
      if (path === undefined || path === '') throw new UsageError(`${arg} needs a file path`);
    } else if (arg === '-h' || arg === '--help' || arg === '-help') {
      throw new UsageError('');
    } else {
      throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  return path ?? (env.GATEWAY_CONFIG || undefined);
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** The file it came from, or `embedded defaults`. */
  source: string;
}

export async function loadConfig(
  args: readonly string[],
  env: Env,
  readText: (path: string) => Promise<string>,
): Promise<LoadedConfig> {
  const path = configPathFrom(args, env);
  if (path === undefined) return { config: parseConfig({}, 'embedded defaults'), source: 'embedded defaults' };
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`], path);
  }
  return { config: parseConfigText(text, env, path), source: path };
}

/** Where to listen: `server.address`, with its port replaced by `PORT` when set. */
export function listenAddress(config: GatewayConfig, env: Env): ListenAddress {
  const { hostname, port } = config.server.address;
  if (env.PORT === undefined || env.PORT === '') return { hostname, port };
  const override = Number(env.PORT);
  if (!Number.isInteger(override) || override < 0 || override > 65_535) {
    throw new ConfigError([`PORT: got ${JSON.stringify(env.PORT)}; expected a port number from 0 to 65535`], 'environment');
  }
  return { hostname, port: override };
}

/** Prints why start-up failed, one problem per line, and returns the exit status. */
export function reportStartupFailure(error: unknown, printError: (line: string) => void): number {
  if (error instanceof UsageError) {
    if (error.message) printError(`gateway: ${error.message}`);
    printError(USAGE);
    return error.message ? 2 : 0;
  }
  if (error instanceof ConfigError) {
    printError(`gateway: ${error.message}`);
    return 1;
  }
  printError(`gateway: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}

export function logStarted(gateway: Gateway, runtime: string, runtimeVersion: string, url: string, source: string): void {
  gateway.logger.info('gateway started', {
    runtime,
    runtime_version: runtimeVersion,
    address: url,
    config: source,
    providers: [...gateway.providers.keys()],
    models: gateway.config.models.map((m) => m.name),
    store: gateway.store.backend,
    metrics: gateway.metrics ? gateway.config.observability.metrics.path : 'off',
    tracing: gateway.tracing?.description ?? 'off',
  });
}

export interface ShutdownOptions {
  gateway: Gateway;
  /**
   * Stop accepting connections; in-flight requests keep going. The promise
   * settles when the server has closed its connections, so the last bytes of
   * every response are flushed before the process exits.
   */
  stopAccepting: () => Promise<unknown>;
  exit: (code: number) => void;
}

/**
 * The SIGTERM/SIGINT handler: stop accepting, let in-flight requests and
 * streams finish within `server.shutdown_grace`, release resources, exit 0.
 * A second signal exits at once with status 1.
 */
export function shutdownHandler({ gateway, stopAccepting, exit }: ShutdownOptions): (signal: string) => void {
  let started = false;
  return (signal) => {
    if (started) {
      gateway.logger.warn('second signal: exiting without waiting', { signal });
      exit(1);
      return;
    }
    started = true;
    const grace = gateway.config.server.shutdown_grace;
    gateway.logger.info('shutting down', { signal, grace_ms: grace });
    const deadline = Date.now() + grace;
    const closed = stopAccepting().catch(() => {});
    void (async () => {
      const finished = await gateway.drain(grace);
      if (!finished) gateway.logger.warn('shutdown grace period over; cutting off requests still in flight', { grace_ms: grace });
      else await within(closed, deadline - Date.now());
      // Ends streams still live with their terminal event (response.failed) before telemetry is flushed.
      await gateway.shutdown().catch((error: unknown) => gateway.logger.error('error while shutting down', { error }));
      // Those terminal events still have to leave the socket.
      if (!finished) await within(closed, CUT_OFF_FLUSH_MS);
      gateway.logger.info('stopped');
      exit(0);
    })();
  };
}

/** After the grace period, how long the terminal events of cut-off streams get to reach their clients. */
const CUT_OFF_FLUSH_MS = 500;

/** Waits for `promise`, but no longer than `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}
