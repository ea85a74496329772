import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { checkWebSocketMessage } from './open-responses-spec.ts';

/** What a turn got back: every event, the terminal one, or an `error` envelope. */
export interface WsTurn {
  events: Array<Record<string, any>>;
  /** The terminal event (`response.completed` / `incomplete` / `failed`) or the `error` envelope. */
  last: Record<string, any>;
}

/**
 * The official SDK's WebSocket client (ResponsesWS) with a promise per turn:
 * `send` a message, then `next()` collects events up to the next terminal
 * event or `error` envelope. Every event is also kept in `all`.
 */
export class WsSession {
  readonly ws: ResponsesWS;
  readonly all: Array<Record<string, any>> = [];
  private pending: Array<Record<string, any>> = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | undefined;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  constructor(baseURL: string, headers: Record<string, string> = {}, apiKey = 'test-key') {
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    this.ws = new ResponsesWS(client, { headers });
    // Error envelopes arrive as 'event' too; the SDK also raises them as 'error', which must be handled.
    this.ws.on('error', () => {});
    this.ws.on('event', (event) => {
      this.all.push(event as Record<string, any>);
      this.pending.push(event as Record<string, any>);
      this.wake();
    });
    this.closedPromise = new Promise((resolve) =>
      this.ws.socket.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closed);
      }),
    );
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.socket.readyState === 1) return resolve();
      this.ws.socket.once('open', () => resolve());
      this.ws.socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
      this.ws.socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(message as never);
  }

  sendRaw(data: string | Buffer): void {
    this.ws.socket.send(data);
  }

  async turn(message: Record<string, unknown>, timeoutMs = 15_000): Promise<WsTurn> {
    this.send({ type: 'response.create', ...message });
    return this.next(timeoutMs);
  }

  /** Events up to the next terminal event or error envelope. */
  async next(timeoutMs = 15_000): Promise<WsTurn> {
    const deadline = Date.now() + timeoutMs;
    const events: Array<Record<string, any>> = [];
    for (;;) {
      while (this.pending.length > 0) {
        const event = this.pending.shift()!;
        // Every message the gateway sends must be one the specification knows, valid as that message.
        checkWebSocketMessage(event);
        events.push(event);
        if (TERMINAL.has(event.type)) return { events, last: event };
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) after ${events.length} events`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no terminal event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    return this.closedPromise;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (!this.closed && this.ws.socket.readyState <= 1) this.ws.close();
    return this.closedPromise;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);
