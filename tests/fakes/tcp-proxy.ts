import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real Redis or PostgreSQL that a test can cut and
 * restore, to see the gateway lose its store and get it back without
 * stopping the machine's shared servers. `cut('reset')` drops every
 * connection and resets new ones at once (a stopped server); `cut('silent')`
 * drops every connection and then accepts new ones without ever answering (a
 * network that loses packets), so only time limits help.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'reset' | 'silent' = 'forward';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  cut(how: 'reset' | 'silent' = 'reset'): void {
    this.mode = how;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.mode = 'forward';
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private accept(client: Socket): void {
    client.on('error', () => {});
    if (this.mode === 'reset') return void client.resetAndDestroy();
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    if (this.mode === 'silent') return;
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
