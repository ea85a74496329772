import type { ConversationsConfig } from '../config/schema.ts';
import { MemoryStore } from './memory-store.ts';
import type { ConversationStore } from './store.ts';

export interface StoreDeps {
  now?: () => number;
}

/** Builds the configured conversation store. One case per backend. */
export function createStore(config: ConversationsConfig, deps: StoreDeps = {}): ConversationStore {
  switch (config.store) {
    case 'memory':
      return new MemoryStore({ ttl: config.ttl, maxEntries: config.max_entries, ...(deps.now ? { now: deps.now } : {}) });
  }
}
