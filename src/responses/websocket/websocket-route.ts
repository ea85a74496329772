import type { Hono } from 'hono';
import { GatewayError, ServiceUnavailableError } from '../../errors/gateway-error.ts';
import type { AppEnv } from '../../middleware/app-env.ts';
import { ResponsesSocket, type ResponsesSocketOptions } from './responses-socket.ts';
import type { WebSocketUpgrade } from './websocket-upgrade.ts';

export interface WebSocketRouteOptions extends Omit<ResponsesSocketOptions, 'connections'> {
  connections: ResponsesSocketOptions['connections'];
  /** The runtime's upgrade; absent (in-memory use) or disabled: the handshake is refused. */
  upgrade: WebSocketUpgrade | undefined;
}

/**
 * `GET /v1/responses` with `Upgrade: websocket`: the Responses API's
 * WebSocket mode, on the `/v1` sub-app, so the handshake passes the same
 * request hooks (rate limit, authentication) as every other `/v1` request.
 */
export function responsesWebSocketRoute(app: Hono<AppEnv>, options: WebSocketRouteOptions): void {
  const { upgrade, connections, config } = options;
  app.get('/responses', async function responsesWebSocket(c) {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket' || !config.enabled) {
      throw new GatewayError(426, 'invalid_request_error', 'GET /v1/responses is the WebSocket mode: connect with "Upgrade: websocket", or POST /v1/responses to create a response.', {
        code: 'websocket_upgrade_required',
        headers: { upgrade: 'websocket', 'x-should-retry': 'false' },
      });
    }
    if (!upgrade) {
      throw new GatewayError(501, 'server_error', 'WebSocket mode is not available where this gateway runs.', { code: 'websocket_unsupported', headers: { 'x-should-retry': 'false' } });
    }
    if (connections.isDraining) throw new ServiceUnavailableError('The gateway is shutting down.', { code: 'shutting_down' });
    if (connections.size >= config.max_connections) {
      throw new ServiceUnavailableError(`The gateway has ${connections.size} WebSocket connections open, its limit; try again later.`, { code: 'too_many_websocket_connections' });
    }
    const scope = c.get('scope');
    const socket = new ResponsesSocket(scope, options);
    let response: Response;
    try {
      response = await upgrade(c, socket.events);
    } catch (error) {
      socket.abandon();
      throw error;
    }
    // The connection is one request: it ends when the socket closes.
    scope.defer();
    return response;
  });
}
