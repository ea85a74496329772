import type { ConversationsConfig } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { MemoryStore } from './memory-store.ts';
import { PostgresStore } from './postgres-store.ts';
import { RedisStore } from './redis-store.ts';
import type { ConversationStore } from './store.ts';

export interface StoreDeps {
  now?: () => number;
  logger?: Logger;
}

/**
 * Builds the configured conversation store. One case per backend. The Redis
 * and PostgreSQL client libraries are imported by their stores only when
 * configured, so the core loads no socket code when it does not need it.
 */
export function createStore(config: ConversationsConfig, deps: StoreDeps = {}): ConversationStore {
  switch (config.store) {
    case 'memory':
      return new MemoryStore({ ttl: config.ttl, maxEntries: config.max_entries, maxBytes: config.max_bytes, ...(deps.now ? { now: deps.now } : {}) });
    case 'redis':
      return new RedisStore({ url: config.url, ttl: config.ttl, keyPrefix: config.key_prefix, ...(deps.logger ? { logger: deps.logger } : {}) });
    case 'postgres':
      return new PostgresStore({ url: config.url, ttl: config.ttl, ...(deps.now ? { now: deps.now } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
  }
}
