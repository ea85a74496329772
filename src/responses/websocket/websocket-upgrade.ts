import type { Context } from 'hono';
import type { WSEvents } from 'hono/ws';
import type { AppEnv } from '../../middleware/app-env.ts';

/**
 * Turns the request of `c` into a WebSocket whose events go to `events`, and
 * answers the handshake: the runtime's Hono helper (`@hono/node-server`,
 * `hono/bun`, `hono/deno`), supplied by its adapter so the core never imports
 * a runtime. Rejects when the runtime could not upgrade the request.
 */
export type WebSocketUpgrade = (c: Context<AppEnv>, events: WSEvents) => Promise<Response>;
