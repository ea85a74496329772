import { utf8Length } from '../../core/utf8-length.ts';
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { WSContext, WSEvents } from 'hono/ws';
import type { RequestLimits, WebSocketConfig } from '../../config/schema.ts';
import { RequestScope, traceFields, type Outcome } from '../../core/request-scope.ts';
import { GatewayError, InvalidRequestError, PayloadTooLargeError, ServiceUnavailableError, toGatewayError } from '../../errors/gateway-error.ts';
import { checkJsonLimits } from '../../http/check-json-limits.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ResponsesService } from '../responses-service.ts';
import { ResponseCache } from './response-cache.ts';
import type { WebSocketConnection, WebSocketConnections } from './websocket-connections.ts';
import { ATTR } from '../../observability/tracing/span-attributes.ts';

export interface ResponsesSocketOptions {
  service: ResponsesService;
  logger: Logger;
  config: WebSocketConfig;
  /** Largest message, in bytes (`server.max_request_body_size`). */
  maxMessageBytes: number;
  limits: RequestLimits;
  connections: WebSocketConnections;
  /** With tracing on: the span per turn is started with it. */
  tracer: Tracer | undefined;
  /** Told the size of each message (see GatewayDeps.bodyRead). */
  bodyRead?: ((bytes: number) => void) | undefined;
}

/** How long an accepted handshake may take to become an open socket before the request is given up. */
const OPEN_TIMEOUT_MS = 10_000;
/** WebSocket close codes (RFC 6455): normal, going away (shutdown). */
const NORMAL = 1000;
const GOING_AWAY = 1001;

/**
 * One WebSocket connection of the Responses API's WebSocket mode. The
 * connection is one HTTP request (its scope ends when the socket closes, so
 * metrics and the access log count it once); each `response.create` message
 * is one turn, run one at a time in arrival order through the same service
 * as `POST /v1/responses` with `stream: true`, its events sent as JSON text
 * frames. A turn has a scope of its own (cancelled when the socket closes)
 * and, when traced, a span under the connection's server span, which the
 * provider span nests in. Whatever the client sends, the answer is at worst
 * an `error` envelope, `{type:"error", status, error:{type, code, message, param}}`.
 */
export class ResponsesSocket implements WebSocketConnection {
  readonly events: WSEvents;
  private ws: WSContext | undefined;
  private readonly queue: Record<string, unknown>[] = [];
  private readonly cache: ResponseCache;
  private running = false;
  private closed = false;
  private expired = false;
  private draining = false;
  private opened = false;
  private turns = 0;
  private lastActivity = performance.now();
  private current: RequestScope | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private lifeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly lists: Record<string, number>;

  constructor(
    private readonly scope: RequestScope,
    private readonly options: ResponsesSocketOptions,
  ) {
    this.cache = new ResponseCache(options.config.max_cached_responses);
    this.lists = { input: options.limits.max_input_items, tools: options.limits.max_tools };
    this.events = {
      onOpen: (_event, ws) => this.guard(() => this.open(ws)),
      onMessage: (event, ws) => this.guard(() => this.message(event.data, ws)),
      onClose: (event) => this.guard(() => this.finish(event.code, event.reason)),
      onError: () => this.guard(() => this.finish(1006, 'socket error')),
    };
    // A handshake the client abandons never opens (nor closes): the request must still end.
    this.openTimer = unref(setTimeout(() => this.opened || this.finish(1006, 'never opened'), OPEN_TIMEOUT_MS));
    options.connections.add(this);
  }

  /** The handshake failed: nothing was opened, and the request ends as any other. */
  abandon(): void {
    this.closed = true;
    clearTimeout(this.openTimer);
    this.options.connections.delete(this);
  }

  drain(): void {
    this.draining = true;
    this.rejectQueued(() => shuttingDown());
    if (!this.running) this.close(GOING_AWAY, 'shutting down');
  }

  interrupt(reason: Error): void {
    this.draining = true;
    this.rejectQueued(() => shuttingDown());
    const turn = this.current;
    if (turn && !turn.signal.aborted) turn.controller.abort(reason);
    if (!this.running) this.close(GOING_AWAY, 'shutting down');
  }

  private open(ws: WSContext): void {
    this.opened = true;
    this.ws = ws;
    clearTimeout(this.openTimer);
    if (this.closed) return ws.close(GOING_AWAY, 'shutting down');
    if (this.draining) return this.close(GOING_AWAY, 'shutting down');
    const { idle_timeout, max_connection_duration } = this.options.config;
    this.idleTimer = unref(setTimeout(this.checkIdle, idle_timeout));
    this.lifeTimer = unref(setTimeout(this.expire, max_connection_duration));
  }

  private message(data: unknown, ws: WSContext): void {
    if (this.closed) return;
    this.ws ??= ws;
    this.lastActivity = performance.now();
    if (typeof data !== 'string') {
      return this.sendError(new InvalidRequestError('Binary messages are not accepted; send each event as a JSON text message.', { code: 'invalid_value' }));
    }
    const bytes = utf8Length(data);
    this.scope.requestBytes += bytes;
    this.options.bodyRead?.(bytes);
    if (bytes > this.options.maxMessageBytes) {
      return this.sendError(new PayloadTooLargeError(this.options.maxMessageBytes));
    }
    let body: unknown;
    try {
      body = JSON.parse(data);
    } catch {
      return this.sendError(new InvalidRequestError('The message is not valid JSON.', { code: 'invalid_json' }));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return this.sendError(new InvalidRequestError('Each message must be a JSON object with a "type".', { code: 'invalid_type' }));
    }
    const event = body as Record<string, unknown>;
    if (event.type !== 'response.create') {
      return this.sendError(new InvalidRequestError('Unknown event type; the one accepted is "response.create".', { param: 'type', code: 'invalid_value' }));
    }
    if (this.expired) return this.sendError(limitReached(this.options.config.max_connection_duration));
    if (this.draining) return this.sendError(shuttingDown());
    if (this.running && this.queue.length >= this.options.config.max_queued_messages) {
      return this.sendError(
        new InvalidRequestError(`${this.queue.length} messages are already waiting for the running response; wait for its terminal event.`, { code: 'websocket_queue_full' }),
      );
    }
    try {
      checkJsonLimits(event, this.options.limits, this.lists);
    } catch (error) {
      return this.sendError(toGatewayError(error));
    }
    // The envelope's own key, and streaming is what this transport is.
    delete event.type;
    event.stream = true;
    this.queue.push(event);
    if (!this.running) void this.pump();
  }

  /** Runs queued turns one at a time, in arrival order. */
  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closed) await this.turn(this.queue.shift()!);
    } finally {
      this.running = false;
      this.lastActivity = performance.now();
    }
    if (this.closed) return;
    if (this.expired) this.endExpired();
    else if (this.draining) this.close(GOING_AWAY, 'shutting down');
  }

  private async turn(body: Record<string, unknown>): Promise<void> {
    const turn = this.turnScope();
    this.current = turn;
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
    let failed = false;
    try {
      const events = await this.options.service.streamEvents(body, turn, this.cache);
      const reader = events.getReader();
      // The socket closing ends the turn, which aborts the upstream; the reader is released with it.
      turn.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.send(value);
      }
      failed = turn.error !== undefined;
    } catch (error) {
      failed = true;
      if (!this.closed) {
        const failure = toGatewayError(error);
        turn.error = failure;
        if (failure.status >= 500) this.options.logger.error('websocket turn failed', { request_id: turn.id, ...traceFields(turn), error: failure.cause ?? failure });
        this.sendError(failure);
      }
    }
    // A continuation that failed drops the state it continued from, as OpenAI's WebSocket mode does;
    // a closed socket (the client left) is not the continuation's failure.
    if (failed && previous !== undefined && !this.closed) this.cache.delete(previous);
    this.current = undefined;
    turn.end(this.closed || turn.signal.aborted ? (turn.error === undefined ? 'cancelled' : 'failed') : failed ? 'failed' : 'completed');
  }

  /** A scope for one turn: the connection's identity and ids, its own cancellation and span. */
  private turnScope(): RequestScope {
    const parent = this.scope;
    const index = ++this.turns;
    const turn = new RequestScope(parent.id, endTurn);
    turn.principal = parent.principal;
    turn.client = parent.client;
    turn.method = parent.method;
    turn.path = parent.path;
    turn.route = parent.route;
    const tracer = this.options.tracer;
    if (tracer && parent.traceContext) {
      const span = tracer.startSpan('responses.websocket.turn', { kind: SpanKind.INTERNAL, attributes: { 'websocket.turn': index, [ATTR.requestId]: parent.id } }, parent.traceContext);
      turn.span = span;
      turn.traceContext = trace.setSpan(parent.traceContext, span);
    } else {
      turn.span = parent.span;
      turn.traceHeaders = parent.traceHeaders;
    }
    return turn;
  }

  private readonly checkIdle = (): void => {
    if (this.closed) return;
    const idle = this.options.config.idle_timeout;
    const quiet = performance.now() - this.lastActivity;
    if (!this.running && quiet >= idle) return this.close(NORMAL, 'idle timeout');
    this.idleTimer = unref(setTimeout(this.checkIdle, this.running ? idle : idle - quiet));
  };

  private readonly expire = (): void => {
    this.expired = true;
    if (!this.running) this.endExpired();
  };

  private endExpired(): void {
    this.rejectQueued(() => limitReached(this.options.config.max_connection_duration));
    this.sendError(limitReached(this.options.config.max_connection_duration));
    this.close(NORMAL, 'connection limit reached');
  }

  private rejectQueued(error: () => GatewayError): void {
    while (this.queue.length > 0) {
      this.queue.shift();
      this.sendError(error());
    }
  }

  private sendError(error: GatewayError): void {
    const { message, type, param, code } = error;
    this.send(JSON.stringify({ type: 'error', status: error.status, error: { type, code, message, param } }));
  }

  private send(text: string): void {
    const ws = this.ws;
    if (this.closed || !ws) return;
    try {
      ws.send(text);
      this.scope.responseBytes += utf8Length(text);
    } catch {
      // The socket went away under us: its close event ends the connection.
    }
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    const ws = this.ws;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        // Already closing.
      }
    }
    this.finish(code, reason);
  }

  /** The connection is over (closed by either side): the running turn is cancelled and the request ends. */
  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifeTimer);
    this.queue.length = 0;
    this.cache.clear();
    this.options.connections.delete(this);
    const turn = this.current;
    if (turn && !turn.signal.aborted) turn.controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
    const scope = this.scope;
    scope.status = this.opened ? 101 : 499;
    const outcome: Outcome = !this.opened || turn ? 'cancelled' : 'completed';
    this.options.logger.info('websocket closed', { request_id: scope.id, ...traceFields(scope), turns: this.turns, code, reason });
    scope.end(outcome);
  }

  /** Event handlers never throw into the runtime: a failure is logged and the connection goes on or ends. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.options.logger.error('websocket handler failed', { request_id: this.scope.id, error });
      this.close(1011, 'internal error');
    }
  }
}

/** A turn's end: its span records how it went (the connection's request is counted on its own). */
function endTurn(turn: RequestScope, outcome: Outcome): void {
  const span = turn.traceContext ? turn.span : undefined;
  if (!span) return;
  if (outcome !== 'completed') {
    const error = turn.error;
    if (error instanceof Error && !(error instanceof GatewayError && error.status < 500)) span.recordException(error);
    if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : outcome });
    else span.addEvent('client.disconnect');
  }
  span.end();
}

function limitReached(durationMs: number): GatewayError {
  return new InvalidRequestError(`Responses websocket connection limit reached (${Math.round(durationMs / 60_000)} minutes). Create a new websocket connection to continue.`, {
    code: 'websocket_connection_limit_reached',
  });
}

function shuttingDown(): GatewayError {
  return new ServiceUnavailableError('The gateway is shutting down; open a new connection.', { code: 'shutting_down' });
}

/** Node and Bun: a connection's timers alone must not keep the process alive (Deno's timers are numbers). */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

