import { jsonBytes } from './json-bytes.ts';
import { MAX_CONVERSATION_TURNS, type ConversationStore, type StoreCall, type StoredTurn } from './store.ts';

export interface MemoryStoreOptions {
  /** Milliseconds a conversation lives after its newest turn. */
  ttl: number;
  /** Most stored responses kept; the least recently continued go first. */
  maxEntries: number;
  /** Most bytes of serialized responses kept; the least recently continued go first. */
  maxBytes: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface Entry {
  owner: string;
  previousId: string | null;
  /**
   * The turn as UTF-8 JSON: what max_bytes counts is exactly what is held,
   * and readers get their own copy. Kept outside the JS heap, where it does
   * not raise the heap's next collection threshold: holding the same bytes as
   * JS objects or strings lets Node's heap grow to several times what is stored.
   */
  data: Uint8Array;
  expiresAt: number;
}

/**
 * An in-process store bounded by age, count and bytes. Every entry gets the
 * same TTL when it is stored or renewed, and a renewed entry moves to the end
 * of the Map, so insertion order is expiry order: expired entries are always
 * at the front and are dropped there, in O(1) per entry, and eviction takes
 * the front too.
 */
const decoder = new TextDecoder();

function decode(entry: Entry): StoredTurn {
  return JSON.parse(decoder.decode(entry.data)) as StoredTurn;
}

export class MemoryStore implements ConversationStore {
  readonly backend = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private bytes = 0;
  /** No entry expires before this (never later than the oldest entry's expiry), so most operations skip the sweep. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(options: MemoryStoreOptions) {
    this.ttl = options.ttl;
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes;
    this.now = options.now ?? Date.now;
  }

  /** Bytes of serialized turns held now. */
  get storedBytes(): number {
    this.dropExpired();
    return this.bytes;
  }

  async get(call: StoreCall, id: string): Promise<StoredTurn | undefined> {
    this.dropExpired();
    const entry = this.entries.get(id);
    return entry && entry.owner === call.owner ? decode(entry) : undefined;
  }

  async chain(call: StoreCall, id: string): Promise<StoredTurn[] | { broken: string } | undefined> {
    this.dropExpired();
    const last = this.entries.get(id);
    if (!last || last.owner !== call.owner) return undefined;
    const entries = [last];
    for (let entry = last; entry.previousId !== null; ) {
      const previous = this.entries.get(entry.previousId);
      if (!previous || previous.owner !== call.owner) return { broken: entry.previousId };
      if (entries.length >= MAX_CONVERSATION_TURNS) throw new Error(`conversation ${id} is longer than ${MAX_CONVERSATION_TURNS} turns`);
      entries.push(previous);
      entry = previous;
    }
    return entries.reverse().map(decode);
  }

  async create(call: StoreCall, turn: StoredTurn): Promise<void> {
    this.dropExpired();
    const data = jsonBytes(turn);
    const bytes = data.byteLength;
    if (bytes > this.maxBytes) throw new Error(`the response takes ${bytes} bytes, more than conversations.max_bytes (${this.maxBytes})`);
    const expiresAt = this.now() + this.ttl;
    this.remove(turn.id);
    this.renew(turn.previousId, expiresAt);
    while (this.entries.size > 0 && (this.entries.size >= this.maxEntries || this.bytes + bytes > this.maxBytes)) {
      this.remove(this.entries.keys().next().value as string);
    }
    this.entries.set(turn.id, { owner: call.owner, previousId: turn.previousId, data, expiresAt });
    this.bytes += bytes;
    if (expiresAt < this.nextExpiry) this.nextExpiry = expiresAt;
  }

  async delete(call: StoreCall, id: string): Promise<boolean> {
    this.dropExpired();
    const entry = this.entries.get(id);
    if (!entry || entry.owner !== call.owner) return false;
    this.remove(id);
    return true;
  }

  activeCount(): number {
    this.dropExpired();
    return this.entries.size;
  }

  async ping(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  /** Moves the turns a new one continues to the end, with its expiry: a conversation expires as a whole. */
  private renew(previousId: string | null, expiresAt: number): void {
    for (let id = previousId, n = 0; id !== null && n < MAX_CONVERSATION_TURNS; n++) {
      const entry = this.entries.get(id);
      if (!entry) return;
      this.entries.delete(id);
      entry.expiresAt = expiresAt;
      this.entries.set(id, entry);
      id = entry.previousId;
    }
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.data.byteLength;
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
      this.remove(id);
    }
  }
}
