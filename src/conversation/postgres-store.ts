import type { Sql } from 'postgres';
import { StoreUnavailableError } from '../errors/gateway-error.ts';
import type { Logger } from '../core/logger.ts';
import { BackgroundCount } from './background-count.ts';
import { withDeadline } from './deadline.ts';
import { migrate, SCHEMA_VERSION } from './postgres-schema.ts';
import { MAX_CONVERSATION_TURNS, type ConversationStore, type StoreCall, type StoredTurn } from './store.ts';
import { storeAddress } from './store-address.ts';

export interface PostgresStoreOptions {
  /** postgres:// URL (credentials in it are never logged). */
  url: string;
  /** Milliseconds a conversation lives after its newest turn. */
  ttl: number;
  /** The longest any operation may take, connecting included. */
  timeoutMs?: number;
  /** How often the exact count is read for `conversation_active_count`. */
  countIntervalMs?: number;
  /** How often expired conversations are deleted (reads ignore them anyway). */
  sweepIntervalMs?: number;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  logger?: Logger;
}

/** Conversations deleted per sweep statement, and statements per sweep: the sweep's work is bounded. */
const SWEEP_BATCH = 1_000;
const SWEEP_BATCHES = 10;

/** SQLSTATE classes that mean "the database is not there right now", not "the query is wrong". */
function unavailable(error: unknown): boolean {
  // Anything but a server error is the connection's failure (ECONNREFUSED, CONNECT_TIMEOUT, CONNECTION_CLOSED, …).
  if ((error as { name?: unknown }).name !== 'PostgresError') return true;
  const code = String((error as { code?: unknown }).code);
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57') || code === '40001' || code === '40P01';
}

/**
 * Conversations in PostgreSQL, through the `postgres` client (loaded only
 * when this backend is configured). Tables are created or migrated before the
 * first operation (see postgres-schema.ts); a chain is one recursive query.
 * Expired rows are ignored by every read and deleted by a periodic, bounded
 * sweep. The client reconnects by itself on the next query; while the
 * database is away, operations fail within `timeoutMs` with a
 * StoreUnavailableError.
 */
export class PostgresStore implements ConversationStore {
  readonly backend = 'postgres';
  private readonly sql: Promise<Sql>;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly count: BackgroundCount;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly address: string;
  private migrated: Promise<void> | undefined;
  private reachable = true;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: PostgresStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.address = storeAddress(options.url, 5432);
    this.sql = this.connect();
    this.sql.catch(() => {});
    this.count = new BackgroundCount(
      () => this.run(async (sql) => (await sql<{ n: number }[]>`SELECT coalesce(sum(turns), 0)::int AS n FROM llmgw_conversations WHERE expires_at > ${this.now()}`)[0]!.n),
      options.countIntervalMs ?? 10_000,
      () => {},
    );
    void this.count.refresh().catch(() => {});
    this.sweeper = setInterval(() => void this.sweep().catch(() => {}), options.sweepIntervalMs ?? 30_000);
    (this.sweeper as { unref?: () => void }).unref?.();
  }

  async get(call: StoreCall, id: string): Promise<StoredTurn | undefined> {
    const rows = await this.run(
      (sql) => sql<{ body: string }[]>`
        SELECT t.body FROM llmgw_turns t JOIN llmgw_conversations c ON c.id = t.conversation_id
        WHERE t.id = ${id} AND t.owner = ${call.owner} AND c.expires_at > ${this.now()}`,
    );
    return rows[0] ? (JSON.parse(rows[0].body) as StoredTurn) : undefined;
  }

  async chain(call: StoreCall, id: string): Promise<StoredTurn[] | { broken: string } | undefined> {
    // Earlier turns share the conversation row, so its expiry is checked once, for the turn asked for.
    const rows = await this.run(
      (sql) => sql<{ previous_id: string | null; owner: string; body: string; n: number }[]>`
        WITH RECURSIVE chain AS (
          SELECT t.previous_id, t.owner, t.body, 1 AS n
          FROM llmgw_turns t JOIN llmgw_conversations c ON c.id = t.conversation_id
          WHERE t.id = ${id} AND t.owner = ${call.owner} AND c.expires_at > ${this.now()}
          UNION ALL
          SELECT t.previous_id, t.owner, t.body, chain.n + 1
          FROM chain JOIN llmgw_turns t ON t.id = chain.previous_id
          WHERE chain.n < ${MAX_CONVERSATION_TURNS}
        )
        SELECT previous_id, owner, body, n FROM chain ORDER BY n DESC`,
    );
    if (rows.length === 0) return undefined;
    const oldest = rows[0]!;
    if (oldest.previous_id !== null) {
      if (rows.length >= MAX_CONVERSATION_TURNS) throw new Error(`conversation ${id} is longer than ${MAX_CONVERSATION_TURNS} turns`);
      return { broken: oldest.previous_id };
    }
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.owner !== call.owner) return { broken: JSON.parse(rows[i]!.body).id as string };
    }
    return rows.map((row) => JSON.parse(row.body) as StoredTurn);
  }

  async create(call: StoreCall, turn: StoredTurn): Promise<void> {
    const body = JSON.stringify(turn);
    const expiresAt = this.now() + this.options.ttl;
    // One statement: the conversation row (the previous turn's, else a new one) is renewed, then the turn inserted.
    await this.count.track(() => this.run(
      (sql) => sql`
        WITH conversation AS (
          INSERT INTO llmgw_conversations AS c (id, expires_at, turns)
          VALUES (coalesce((SELECT conversation_id FROM llmgw_turns WHERE id = ${turn.previousId}), ${turn.id}), ${expiresAt}, 1)
          ON CONFLICT (id) DO UPDATE SET expires_at = greatest(c.expires_at, excluded.expires_at), turns = c.turns + 1
          RETURNING id
        )
        INSERT INTO llmgw_turns (id, conversation_id, owner, previous_id, body)
        SELECT ${turn.id}, id, ${call.owner}, ${turn.previousId}, ${body} FROM conversation`,
    ), () => 1);
  }

  async delete(call: StoreCall, id: string): Promise<boolean> {
    const rows = await this.count.track(() => this.run(
      (sql) => sql<{ n: number }[]>`
        WITH gone AS (
          DELETE FROM llmgw_turns t USING llmgw_conversations c
          WHERE t.id = ${id} AND t.owner = ${call.owner} AND c.id = t.conversation_id AND c.expires_at > ${this.now()}
          RETURNING t.conversation_id
        ), counted AS (
          UPDATE llmgw_conversations SET turns = turns - 1 WHERE id IN (SELECT conversation_id FROM gone)
        )
        SELECT count(*)::int AS n FROM gone`,
    ), (rows) => -rows[0]!.n);
    const deleted = rows[0]!.n > 0;
    return deleted;
  }

  activeCount(): number {
    return this.count.current();
  }

  /** Reads the exact count now (the gauge refreshes it in the background). */
  refreshCount(): Promise<number> {
    return this.count.refresh();
  }

  /** Deletes expired conversations (their turns go with them), at most SWEEP_BATCH × SWEEP_BATCHES per call. */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < SWEEP_BATCHES; batch++) {
      const rows = await this.run(
        (sql) => sql<{ n: number }[]>`
          WITH gone AS (
            DELETE FROM llmgw_conversations WHERE id IN (
              SELECT id FROM llmgw_conversations WHERE expires_at <= ${this.now()} ORDER BY expires_at LIMIT ${SWEEP_BATCH}
            ) RETURNING 1
          )
          SELECT count(*)::int AS n FROM gone`,
      );
      deleted += rows[0]!.n;
      if (rows[0]!.n < SWEEP_BATCH) break;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    await this.run((sql) => sql`SELECT 1`);
  }

  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.count.stop();
      clearInterval(this.sweeper);
      const sql = await this.sql.catch(() => undefined);
      // Queries still running get the timeout to finish; then connections are closed regardless.
      await sql?.end({ timeout: this.timeoutMs / 1000 }).catch(() => {});
    })();
    return this.closed;
  }

  /** Runs one operation within the deadline, after the schema is in place; unavailability becomes a StoreUnavailableError. */
  private async run<T>(operation: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(this.backend, 'the store is shut down');
    try {
      const result = await withDeadline(
        this.sql.then(async (sql) => {
          await this.ensureMigrated(sql);
          return operation(sql);
        }),
        this.timeoutMs,
        this.backend,
      );
      this.markReachable(true);
      return result;
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.markReachable(false, error.reason);
        throw error;
      }
      if (!unavailable(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.markReachable(false, reason);
      throw new StoreUnavailableError(this.backend, reason, { cause: error });
    }
  }

  /** Migration runs once; after a failure (the database was away) the next operation tries again. */
  private ensureMigrated(sql: Sql): Promise<void> {
    this.migrated ??= migrate(sql).then(
      (found) => {
        if (found < SCHEMA_VERSION) this.options.logger?.info('conversation store migrated', { backend: this.backend, from_version: found, to_version: SCHEMA_VERSION });
      },
      (error: unknown) => {
        this.migrated = undefined;
        throw error;
      },
    );
    return this.migrated;
  }

  /** One log line when the database goes away and one when it is back, not one per failed query. */
  private markReachable(reachable: boolean, reason?: string): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.options.logger?.info('conversation store reachable again', { backend: this.backend, address: this.address });
    else this.options.logger?.warn('conversation store unreachable', { backend: this.backend, address: this.address, error: reason });
  }

  private async connect(): Promise<Sql> {
    const { default: postgres } = await import('postgres');
    return postgres(this.options.url, {
      max: 10,
      connect_timeout: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
      idle_timeout: 60,
      // Array types are not used; skipping their lookup saves a query per new connection.
      fetch_types: false,
      onnotice: () => {},
      // A statement the server cannot finish in time is cancelled there too.
      connection: { statement_timeout: this.timeoutMs, application_name: 'llm-gateway' },
    });
  }
}
