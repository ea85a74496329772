import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors/gateway-error.ts';
import type { Logger } from '../core/logger.ts';
import { BackgroundCount } from './background-count.ts';
import { withDeadline } from './deadline.ts';
import { CHAIN, COUNT, CREATE, DELETE } from './redis-scripts.ts';
import { MAX_CONVERSATION_TURNS, type ConversationStore, type StoreCall, type StoredTurn } from './store.ts';
import { storeAddress } from './store-address.ts';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL (credentials in it are never logged). */
  url: string;
  /** Milliseconds a conversation lives after its newest turn. */
  ttl: number;
  keyPrefix: string;
  /** The longest any operation may take, connecting included. */
  timeoutMs?: number;
  /** How often the exact count is read for `conversation_active_count`. */
  countIntervalMs?: number;
  logger?: Logger;
}

interface Scripts {
  gwCreate(turnKey: string, indexKey: string, ...args: Array<string | number>): Promise<number>;
  gwChain(turnKey: string, ...args: Array<string | number>): Promise<string[]>;
  gwDelete(turnKey: string, indexKey: string, owner: string, id: string): Promise<number>;
  gwCount(indexKey: string): Promise<number>;
}

type Client = Redis & Scripts;

/**
 * Conversations in Redis, through ioredis (loaded only when this backend is
 * configured). Each turn is a hash with its own key expiry; every operation
 * is one script or command, so one round trip; see redis-scripts.ts. The
 * client reconnects by itself (at most a second apart); while Redis is away,
 * operations fail within `timeoutMs` with a StoreUnavailableError.
 */
export class RedisStore implements ConversationStore {
  readonly backend = 'redis';
  private readonly client: Promise<Client>;
  private readonly timeoutMs: number;
  private readonly indexKey: string;
  private readonly count: BackgroundCount;
  private readonly address: string;
  private reachable = true;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: RedisStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.indexKey = `${options.keyPrefix}expiry`;
    this.address = storeAddress(options.url, 6379);
    this.client = this.connect();
    // Nothing may go unhandled while the library loads; operations see the failure themselves.
    this.client.catch(() => {});
    this.count = new BackgroundCount(() => this.run((c) => c.gwCount(this.indexKey)), options.countIntervalMs ?? 5_000, () => {});
    void this.count.refresh().catch(() => {});
  }

  async get(call: StoreCall, id: string): Promise<StoredTurn | undefined> {
    const [owner, body] = await this.run((c) => c.hmget(this.turnKey(id), 'owner', 'body'));
    return body != null && owner === call.owner ? (JSON.parse(body) as StoredTurn) : undefined;
  }

  async chain(call: StoreCall, id: string): Promise<StoredTurn[] | { broken: string } | undefined> {
    const reply = await this.run((c) => c.gwChain(this.turnKey(id), this.options.keyPrefix, call.owner, MAX_CONVERSATION_TURNS));
    if (reply[0] === 'missing') return undefined;
    if (reply[0] === 'broken') return { broken: reply[1]! };
    const turns: StoredTurn[] = [];
    for (let i = reply.length - 1; i >= 1; i--) turns.push(JSON.parse(reply[i]!) as StoredTurn);
    return turns;
  }

  async create(call: StoreCall, turn: StoredTurn): Promise<void> {
    const body = JSON.stringify(turn);
    await this.count.track(
      () => this.run((c) => c.gwCreate(this.turnKey(turn.id), this.indexKey, this.options.keyPrefix, turn.id, call.owner, turn.previousId ?? '', body, this.options.ttl, MAX_CONVERSATION_TURNS)),
      () => 1,
    );
  }

  async delete(call: StoreCall, id: string): Promise<boolean> {
    const deleted = await this.count.track(
      async () => (await this.run((c) => c.gwDelete(this.turnKey(id), this.indexKey, call.owner, id))) === 1,
      (gone) => (gone ? -1 : 0),
    );
    return deleted;
  }

  activeCount(): number {
    return this.count.current();
  }

  /** Reads the exact count now (the gauge refreshes it in the background). */
  refreshCount(): Promise<number> {
    return this.count.refresh();
  }

  async ping(): Promise<void> {
    await this.run((c) => c.ping());
  }

  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.count.stop();
      const client = await this.client.catch(() => undefined);
      // quit() waits for replies still due; a Redis that is away gets disconnected instead.
      if (client) await withDeadline(client.quit(), this.timeoutMs, this.backend).catch(() => client.disconnect());
    })();
    return this.closed;
  }

  private turnKey(id: string): string {
    return `${this.options.keyPrefix}t:${id}`;
  }

  /** Runs one operation within the deadline; any failure becomes a StoreUnavailableError. */
  private async run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(this.backend, 'the store is shut down');
    try {
      return await withDeadline(
        this.client.then((client) => operation(client)),
        this.timeoutMs,
        this.backend,
      );
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(this.backend, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  private async connect(): Promise<Client> {
    const { Redis } = await import('ioredis');
    const client = new Redis(this.options.url, {
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      // Commands wait while (re)connecting, and fail after one failed attempt rather than piling up.
      maxRetriesPerRequest: 1,
      // Reconnect forever, at most a second apart, so the store comes back by itself.
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
    }) as Client;
    client.defineCommand('gwCreate', { numberOfKeys: 2, lua: CREATE });
    client.defineCommand('gwChain', { numberOfKeys: 1, lua: CHAIN });
    client.defineCommand('gwDelete', { numberOfKeys: 2, lua: DELETE });
    client.defineCommand('gwCount', { numberOfKeys: 1, lua: COUNT });
    // One line when Redis goes away and one when it is back, not one per reconnect attempt.
    client.on('error', (error: Error) => {
      if (!this.reachable) return;
      this.reachable = false;
      this.options.logger?.warn('conversation store unreachable', { backend: this.backend, address: this.address, error: error.message });
    });
    client.on('ready', () => {
      if (this.reachable) return;
      this.reachable = true;
      this.options.logger?.info('conversation store reachable again', { backend: this.backend, address: this.address });
    });
    return client;
  }
}
