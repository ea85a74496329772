import type { Context } from '@opentelemetry/api';
import type { ConversationItem, ResponseObject } from '../canonical/types.ts';

/**
 * Who is asking, passed with every store operation. A store records `owner`
 * with each response and treats another owner's responses as absent, so
 * ownership is enforced where the data lives, on every backend.
 */
export interface StoreCall {
  /** The principal's id; `anonymous` for requests without credentials. */
  owner: string;
  /**
   * The request's trace context, passed explicitly (not through async-local
   * storage, which slows every await on Node 20); backends ignore it, the
   * instrumentation parents its spans on it.
   */
  context?: Context | undefined;
}

/**
 * One turn of a conversation: what `GET /v1/responses/{id}` returns and what
 * `previous_response_id` continues. A turn holds only its own input and
 * output and links to the turn it continued, so what is stored per turn does
 * not grow with the conversation; the history is rebuilt by walking the links.
 */
export interface StoredTurn {
  id: string;
  /** The principal the response belongs to. */
  owner: string;
  /** The response this one continued, or null for the first turn. */
  previousId: string | null;
  /** 1 for the first turn, then one more per continuation. */
  depth: number;
  /** Items of the earlier turns (their inputs and outputs), for span attributes. */
  historyItems: number;
  response: ResponseObject;
  /** This turn's own input items (what `input_items` lists). */
  input: ConversationItem[];
}

/** The longest conversation a store rebuilds; deeper chains are refused, so one walk is bounded. */
export const MAX_CONVERSATION_TURNS = 1_000;

/**
 * Where conversations live. Every operation rejects with a
 * StoreUnavailableError when the backend cannot be reached within its time
 * limit, never hangs. `shutdown()` is safe to call twice.
 *
 * Expiry: all turns of a conversation expire together, `ttl` after its newest
 * turn was stored (storing a turn renews the turns it continues), so a chain
 * that is still being continued never loses its beginning.
 */
export interface ConversationStore {
  /** `memory`, `redis`, `postgres`: the `backend` label of conversation metrics. */
  readonly backend: string;
  /** The turn, or undefined when it is missing, expired or another owner's. */
  get(call: StoreCall, id: string): Promise<StoredTurn | undefined>;
  /**
   * The conversation ending with `id`, oldest turn first, in a bounded number
   * of round trips. Undefined when `id` is missing, expired or another
   * owner's; `{ broken }` names the first earlier turn that is gone (deleted
   * or evicted), because continuing without it would silently change what the
   * model sees.
   */
  chain(call: StoreCall, id: string): Promise<StoredTurn[] | { broken: string } | undefined>;
  /** Stores a turn (`turn.owner` is `call.owner`) and renews the turns it continues. */
  create(call: StoreCall, turn: StoredTurn): Promise<void>;
  /** Resolves false when there was nothing (of this owner's) to delete. */
  delete(call: StoreCall, id: string): Promise<boolean>;
  /**
   * Stored responses now, without a query: exact for the memory store; remote
   * backends refresh it in the background (see each backend's staleness bound).
   */
  activeCount(): number;
  /** Rejects when the backend cannot be reached (readiness). */
  ping(): Promise<void>;
  /** Closes connections and stops background work. */
  shutdown(): Promise<void>;
}
