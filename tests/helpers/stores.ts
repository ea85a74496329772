import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A key prefix no other test run shares. */
export function uniquePrefix(): string {
  return `llmgw-test:${randomBytes(6).toString('hex')}:`;
}

/** A PostgreSQL schema of its own for one test run, and the URL that selects it; `drop()` removes it. */
export async function uniqueSchema(base = POSTGRES_URL): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `llmgw_test_${randomBytes(6).toString('hex')}`;
  const sql = postgres(base, { max: 1, onnotice: () => {} });
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  await sql.end();
  return {
    schema,
    url: `${base}${base.includes('?') ? '&' : '?'}search_path=${schema}`,
    async drop() {
      const admin = postgres(base, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** The same URL through a proxy on `port` (same credentials, database and parameters). */
export function viaPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.host = `127.0.0.1:${port}`;
  return parsed.toString();
}

/** Deletes every key under `prefix` (a test's own). */
export async function cleanRedisPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
