/**
 * Conversation-store benchmark: for memory, Redis and PostgreSQL, build
 * conversations of 50 turns the way the gateway does (read the chain, then
 * store the new turn), then retrieve a turn, and report µs per operation and
 * bytes stored per turn at turn 1 and turn 50, with the ratio turn 50 ÷ turn 1.
 * A turn stores only its own input and output, so bytes per turn stay flat;
 * reading the chain is the one cost that grows, with the history the model
 * must be sent anyway.
 *
 *   npm run bench:stores                 (a few conversations per backend)
 *   npm run bench:stores -- --quick      (one conversation per backend, a few seconds)
 *
 * Uses the machine's Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432,
 * database "test") under a key prefix / schema of its own, removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { MemoryStore } from '../src/conversation/memory-store.ts';
import { PostgresStore } from '../src/conversation/postgres-store.ts';
import { RedisStore } from '../src/conversation/redis-store.ts';
import type { ConversationStore, StoredTurn } from '../src/conversation/store.ts';
import type { ResponseObject } from '../src/canonical/types.ts';
import { median } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const CONVERSATIONS = quick ? 1 : 5;
const TURNS = 50;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const call = { owner: 'anonymous' };
const words = 'the quick brown fox jumps over the lazy dog while the gateway keeps the conversation '.repeat(3);

function turnOf(id: string, previous: StoredTurn | undefined, n: number): StoredTurn {
  const text = `${n}: ${words}`;
  const response = {
    id, object: 'response', created_at: 0, status: 'completed', model: 'mock', previous_response_id: previous?.id ?? null,
    output: [{ type: 'message', id: `msg_o${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `Echo: ${text}`, annotations: [] }] }],
    usage: { input_tokens: 10, output_tokens: 10, total_tokens: 20 },
  } as unknown as ResponseObject;
  return {
    id, owner: call.owner, previousId: previous?.id ?? null, depth: (previous?.depth ?? 0) + 1,
    historyItems: previous ? previous.historyItems + 2 : 0, response,
    input: [{ type: 'message', id: `msg_i${id}`, role: 'user', status: 'completed', content: [{ type: 'input_text', text }] }],
  };
}

interface Backend {
  name: string;
  store: ConversationStore;
  /** Bytes stored for one turn, as the backend holds it. */
  bytesOf(id: string): Promise<number>;
  cleanup(): Promise<void>;
}

async function backends(): Promise<Backend[]> {
  const memory = new MemoryStore({ ttl: 3_600_000, maxEntries: 1_000_000, maxBytes: 1 << 30 });
  let memoryBytes = new Map<string, number>();
  const memoryCreate = memory.create.bind(memory);
  memory.create = async (c, turn) => {
    const before = memory.storedBytes;
    await memoryCreate(c, turn);
    memoryBytes.set(turn.id, memory.storedBytes - before);
  };

  const prefix = `llmgw-bench:${randomBytes(4).toString('hex')}:`;
  const redis = new RedisStore({ url: REDIS_URL, ttl: 3_600_000, keyPrefix: prefix });
  const redisAdmin = new Redis(REDIS_URL);

  const schema = `llmgw_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const pg = new PostgresStore({ url: `${POSTGRES_URL}?search_path=${schema}`, ttl: 3_600_000 });

  return [
    { name: 'memory', store: memory, bytesOf: async (id) => memoryBytes.get(id)!, cleanup: async () => { memoryBytes = new Map(); await memory.shutdown(); } },
    {
      name: 'redis', store: redis,
      // The whole hash as Redis accounts it (fields, values and key overhead).
      bytesOf: async (id) => Number(await redisAdmin.call('MEMORY', 'USAGE', `${prefix}t:${id}`, 'SAMPLES', '0')),
      async cleanup() {
        await redis.shutdown();
        const keys = await redisAdmin.keys(`${prefix}*`);
        if (keys.length > 0) await redisAdmin.del(...keys);
        redisAdmin.disconnect();
      },
    },
    {
      name: 'postgres', store: pg,
      // The turn's row as stored (pg_column_size of the whole row, TOAST compression included).
      bytesOf: async (id) => Number((await admin.unsafe(`SELECT pg_column_size(t.*) AS n FROM ${schema}.llmgw_turns t WHERE id = $1`, [id]))[0]!.n),
      async cleanup() {
        await pg.shutdown();
        await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    },
  ];
}

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, (performance.now() - start) * 1000];
}

interface PerTurn {
  create: number[][];
  chain: number[][];
  bytes: number[][];
  retrieve: number[];
}

async function measure(backend: Backend): Promise<PerTurn> {
  const out: PerTurn = { create: [], chain: [], bytes: [], retrieve: [] };
  for (let t = 0; t < TURNS; t++) {
    out.create.push([]);
    out.chain.push([]);
    out.bytes.push([]);
  }
  // One warm-up conversation (connections, prepared statements, script cache), not counted.
  for (let c = -1; c < CONVERSATIONS; c++) {
    let previous: StoredTurn | undefined;
    const ids: string[] = [];
    for (let t = 0; t < TURNS; t++) {
      if (previous) {
        const [chain, us] = await time(() => backend.store.chain(call, previous!.id));
        if (!Array.isArray(chain) || chain.length !== t) throw new Error(`${backend.name}: chain of turn ${t} came back as ${JSON.stringify(chain)?.slice(0, 100)}`);
        if (c >= 0) out.chain[t]!.push(us);
      }
      const turn = turnOf(`resp_${randomBytes(16).toString('hex')}`, previous, t + 1);
      const [, us] = await time(() => backend.store.create(call, turn));
      if (c >= 0) {
        out.create[t]!.push(us);
        out.bytes[t]!.push(await backend.bytesOf(turn.id));
      }
      ids.push(turn.id);
      previous = turn;
    }
    for (const id of ids) {
      const [found, us] = await time(() => backend.store.get(call, id));
      if (!found) throw new Error(`${backend.name}: ${id} not found`);
      if (c >= 0) out.retrieve.push(us);
    }
  }
  return out;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (last: number, first: number) => (last / first).toFixed(2);

const rows: string[] = [];
for (const backend of await backends()) {
  try {
    const r = await measure(backend);
    const at = (series: number[][], t: number) => median(series[t]!);
    rows.push(
      `| ${backend.name} | ${fmt(at(r.create, 0))} | ${fmt(at(r.create, TURNS - 1))} | ${ratio(at(r.create, TURNS - 1), at(r.create, 0))} ` +
        `| ${fmt(at(r.chain, 1))} | ${fmt(at(r.chain, TURNS - 1))} | ${fmt(median(r.retrieve))} ` +
        `| ${fmt(at(r.bytes, 0))} | ${fmt(at(r.bytes, TURNS - 1))} | ${ratio(at(r.bytes, TURNS - 1), at(r.bytes, 0))} |`,
    );
  } finally {
    await backend.cleanup();
  }
}

console.log(`Conversation stores: ${CONVERSATIONS} conversation(s) of ${TURNS} turns per backend (medians; µs per operation)${quick ? ', quick mode' : ''}\n`);
console.log('| backend | create, turn 1 | create, turn 50 | ÷ | chain read, turn 2 | chain read, turn 50 | retrieve | bytes, turn 1 | bytes, turn 50 | ÷ |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('\n"chain read" fetches every earlier turn (what the model is sent), in one round trip; it grows with the history by design.');
