import type { Context } from '@opentelemetry/api';
import type { ConversationItem, ResponseObject } from '../canonical/types.ts';

/** A stored response: what `GET /v1/responses/{id}` returns and what `previous_response_id` continues. */
export interface StoredResponse {
  id: string;
  /** The principal the response belongs to (see ownerOf); another principal is told it does not exist. */
  owner: string;
  response: ResponseObject;
  /**
   * The whole conversation the model saw for this response: earlier turns
   * (each turn's input, then its output) followed by this turn's input.
   * Storing it flat makes continuing a conversation one read, whatever its length.
   */
  input: ConversationItem[];
  /** Where this turn's own input starts within `input` (what `input_items` lists). */
  inputStart: number;
}

/**
 * Where conversations live. Implementations must be safe to `close()` twice.
 * `count()` is exact: expired and evicted entries are not counted.
 */
export interface ConversationStore {
  /** `memory`, `redis`, `postgres`: the `backend` label of conversation metrics. */
  readonly backend: string;
  /**
   * `context` is the request's trace context, passed explicitly (not through
   * async-local storage, which slows every await on Node 20); backends ignore
   * it, the instrumentation parents its spans on it.
   */
  get(id: string, context?: Context): Promise<StoredResponse | undefined>;
  create(record: StoredResponse, context?: Context): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(id: string, context?: Context): Promise<boolean>;
  count(): Promise<number>;
  /** Rejects when the backend cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
