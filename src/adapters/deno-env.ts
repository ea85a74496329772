import type { Env } from '../config/expand-env.ts';
import type { ClientAddress } from '../core/client-address.ts';

/** The environment as a plain object, read once at start-up. */
export function denoEnv(): Env {
  return Deno.env.toObject();
}

export function onDenoSignals(handler: (signal: string) => void): void {
  Deno.addSignalListener('SIGTERM', () => handler('SIGTERM'));
  Deno.addSignalListener('SIGINT', () => handler('SIGINT'));
}

/** The peer of a request as `Deno.serve` (and `deno serve`) report it; none for a Unix socket. */
export function denoPeer(info: Deno.ServeHandlerInfo): ClientAddress | undefined {
  const addr = info.remoteAddr;
  return 'hostname' in addr ? { address: addr.hostname, port: addr.port } : undefined;
}
