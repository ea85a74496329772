import type { Sql } from 'postgres';

/**
 * The PostgreSQL store's tables, created and migrated at start-up. Migration
 * N is applied once, in order, inside one transaction that holds an advisory
 * lock per schema (so instances starting together do not race), and is
 * recorded in `llmgw_schema_version`. A database migrated by a newer gateway
 * is refused rather than misread.
 *
 * A conversation's turns share one `llmgw_conversations` row, whose
 * `expires_at` (ms since the epoch) storing a turn renews: the turns expire
 * together without rewriting older rows. `turns` counts its live turns, so
 * the active count reads one row per conversation, not per turn.
 */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE llmgw_conversations (
       id text PRIMARY KEY,
       expires_at bigint NOT NULL,
       turns integer NOT NULL DEFAULT 0
     )`,
    'CREATE INDEX llmgw_conversations_expires_at ON llmgw_conversations (expires_at)',
    `CREATE TABLE llmgw_turns (
       id text PRIMARY KEY,
       conversation_id text NOT NULL REFERENCES llmgw_conversations (id) ON DELETE CASCADE,
       owner text NOT NULL,
       previous_id text,
       body text NOT NULL
     )`,
    'CREATE INDEX llmgw_turns_conversation_id ON llmgw_turns (conversation_id)',
  ],
];

/** The schema version this gateway reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the current schema (the first of `search_path`) to SCHEMA_VERSION; resolves the version found before. */
export async function migrate(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('llmgw_schema:' || current_schema()))`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS llmgw_schema_version (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const [row] = await tx<{ version: number }[]>`SELECT coalesce(max(version), 0)::int AS version FROM llmgw_schema_version`;
    const found = row!.version;
    if (found > SCHEMA_VERSION) {
      throw new Error(`the database schema is at version ${found}, newer than this gateway's ${SCHEMA_VERSION}; upgrade the gateway`);
    }
    for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version - 1]!) await tx.unsafe(statement);
      await tx`INSERT INTO llmgw_schema_version (version) VALUES (${version})`;
    }
    return found;
  });
}
