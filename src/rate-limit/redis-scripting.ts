/** A Lua script and its SHA-1, the name EVALSHA knows it by. */
export interface RedisScript {
  readonly sha: string;
  readonly source: string;
}

/**
 * All the limiter needs from a Redis client: run a script (EVALSHA, then
 * EVAL when the server answers NOSCRIPT, e.g. after a restart). Any client
 * library fits behind it; ioredis-scripting.ts is the one the gateway uses.
 */
export interface RedisScripting {
  evalScript(script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  close(): Promise<void>;
}

export async function redisScript(source: string): Promise<RedisScript> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(source)));
  let sha = '';
  for (const byte of digest) sha += byte.toString(16).padStart(2, '0');
  return { sha, source };
}

export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
