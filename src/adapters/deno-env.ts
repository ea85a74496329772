import type { Env } from '../config/expand-env.ts';

/** The environment as a plain object, read once at start-up. */
export function denoEnv(): Env {
  return Deno.env.toObject();
}

export function onDenoSignals(handler: (signal: string) => void): void {
  Deno.addSignalListener('SIGTERM', () => handler('SIGTERM'));
  Deno.addSignalListener('SIGINT', () => handler('SIGINT'));
}
