/** What the gateway can ask of one open WebSocket connection. */
export interface WebSocketConnection {
  /** No new turns: close once the running one (if any) has finished. */
  drain(): void;
  /** Ends the running turn at once with `reason` (its `response.failed`), then closes. */
  interrupt(reason: Error): void;
}

/** The gateway's open WebSocket connections: counted against `max_connections`, closed at shutdown. */
export class WebSocketConnections {
  private readonly open = new Set<WebSocketConnection>();
  private draining = false;

  get size(): number {
    return this.open.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  add(connection: WebSocketConnection): void {
    this.open.add(connection);
  }

  delete(connection: WebSocketConnection): void {
    this.open.delete(connection);
  }

  /** Shutdown has begun: idle connections close now, busy ones after their turn. */
  drain(): void {
    this.draining = true;
    for (const connection of [...this.open]) connection.drain();
  }

  /** The grace period is over: running turns end with `response.failed`, every connection closes. */
  interrupt(reason: Error): void {
    this.draining = true;
    for (const connection of [...this.open]) connection.interrupt(reason);
  }
}
