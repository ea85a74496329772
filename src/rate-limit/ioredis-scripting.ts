import type { Redis, RedisOptions } from 'ioredis';
import { isNoScriptError, type RedisScript, type RedisScripting } from './redis-scripting.ts';

export interface IoredisScriptingOptions {
  url: string;
  /** The longest one command may take, connecting included. */
  commandTimeoutMs: number;
}

/** Redis is known to be away: the caller's failure mode applies at once instead of after a timeout. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * RedisScripting on ioredis (loaded only when the redis backend is
 * configured). While the connection is down after having been up (or after
 * the first attempt failed), commands fail at once instead of queueing, so
 * an outage costs requests no waiting and no memory; ioredis reconnects by
 * itself, at most a second apart.
 */
export class IoredisScripting implements RedisScripting {
  private readonly client: Promise<Redis>;
  private settled: Redis | undefined;
  private failedBefore = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: IoredisScriptingOptions) {
    this.client = this.connect();
    // Nothing may go unhandled while the library loads; commands see the failure themselves.
    this.client.catch(() => {});
  }

  async evalScript(script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const client = this.settled ?? (await this.client);
    if (client.status !== 'ready' && this.failedBefore) throw new RedisUnavailableError(`redis is ${client.status}`);
    try {
      return await client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.client.then(
      (client) => client.quit().then(() => {}, () => client.disconnect()),
      () => {},
    );
    return this.closed;
  }

  private async connect(): Promise<Redis> {
    const { Redis } = await import('ioredis');
    const options: RedisOptions = {
      connectTimeout: this.options.commandTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
    };
    const client = new Redis(this.options.url, options);
    // The limiter reports failures where they happen; without a listener ioredis would print each one.
    client.on('error', () => (this.failedBefore = true));
    client.on('close', () => (this.failedBefore = true));
    this.settled = client;
    return client;
  }
}
