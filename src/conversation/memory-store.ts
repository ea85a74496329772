import type { ConversationStore, StoredResponse } from './store.ts';

export interface MemoryStoreOptions {
  /** Milliseconds a stored response lives. */
  ttl: number;
  /** Most stored responses kept; the oldest goes first. */
  maxEntries: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface Entry {
  record: StoredResponse;
  expiresAt: number;
}

/**
 * An in-process store bounded by age and count. Every entry has the same TTL,
 * so insertion order is expiry order: expired entries are always at the front
 * of the Map and are dropped there, in O(1) per entry, before every operation.
 */
export class MemoryStore implements ConversationStore {
  readonly backend = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** No entry expires before this (never later than the oldest entry's expiry), so most operations skip the sweep. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(options: MemoryStoreOptions) {
    this.ttl = options.ttl;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    this.dropExpired();
    return this.entries.get(id)?.record;
  }

  async create(record: StoredResponse): Promise<void> {
    this.dropExpired();
    this.entries.delete(record.id);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    const expiresAt = this.now() + this.ttl;
    this.entries.set(record.id, { record, expiresAt });
    if (expiresAt < this.nextExpiry) this.nextExpiry = expiresAt;
  }

  async delete(id: string): Promise<boolean> {
    this.dropExpired();
    return this.entries.delete(id);
  }

  async count(): Promise<number> {
    this.dropExpired();
    return this.entries.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }

  private dropExpired(): void {
    const now = this.now();
    if (now < this.nextExpiry) return;
    this.nextExpiry = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) {
        this.nextExpiry = entry.expiresAt;
        break;
      }
      this.entries.delete(id);
    }
  }
}
