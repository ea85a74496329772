import { serve, upgradeWebSocket, type HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { defineConfig } from '../../src/config/parse-config.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';

export interface WsTestGateway {
  gateway: Gateway;
  baseURL: string;
  logs: Array<Record<string, any>>;
  close(): Promise<void>;
}

/** A gateway on a real Node server (port 0) with WebSocket upgrades wired as the Node adapter wires them. */
export async function wsTestGateway(config: Record<string, unknown>, deps: GatewayDeps = {}): Promise<WsTestGateway> {
  const logs: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: (line) => logs.push(JSON.parse(line)) });
  const handshakes = new WeakMap<Request, HttpBindings>();
  const gateway = createGateway(defineConfig(config), {
    logger,
    upgradeWebSocket: (c, events) => upgradeWebSocket({ env: handshakes.get(c.req.raw), req: c.req } as unknown as Context, events),
    ...deps,
  });
  const wss = new WebSocketServer({ noServer: true });
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    websocket: { server: wss },
    fetch: (request, env) => {
      handshakes.set(request, env as HttpBindings);
      return gateway.fetch(request, { address: '127.0.0.1' });
    },
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gateway,
    baseURL: `http://127.0.0.1:${port}/v1`,
    logs,
    async close() {
      await gateway.drain(2_000);
      await new Promise((resolve) => server.close(resolve));
      await gateway.shutdown();
    },
  };
}
