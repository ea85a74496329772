import { MAX_CONVERSATION_TURNS, type ConversationStore, type StoredTurn } from '../conversation/store.ts';
import { storeCall } from '../conversation/store-call.ts';
import type { ConversationItem } from '../canonical/types.ts';
import type { RequestScope } from '../core/request-scope.ts';
import { InvalidRequestError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';

/** A turn and every item before its input, as a WebSocket connection keeps its own responses. */
export type LocalTurn = StoredTurn & { readonly history: readonly ConversationItem[] };

/** What a turn that continues `previous_response_id` sees before its own input. */
export interface History {
  /** Each earlier turn's input, then its output; instructions are not carried over. */
  items: ConversationItem[];
  /** The turn being continued. */
  previous: StoredTurn;
}

/**
 * The conversation up to and including `previousId`: from the connection's
 * own turns when it has it, else from the store in one chain read. An unknown
 * id, one owned by another principal, or a chain whose earlier turn is gone is
 * a 400 `previous_response_not_found`.
 */
export async function loadHistory(store: ConversationStore, scope: RequestScope, previousId: string, own?: LocalTurn): Promise<History> {
  const chain = own ? [{ ...own, input: [...own.history, ...own.input] }] : await store.chain(storeCall(scope), previousId);
  if (!Array.isArray(chain)) {
    const gone = chain ? ` (it continues ${quoteValue(chain.broken)}, which is no longer stored)` : '';
    throw new InvalidRequestError(`Previous response with id ${quoteValue(previousId)} not found${gone}.`, {
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    });
  }
  const previous = chain[chain.length - 1]!;
  if (previous.depth >= MAX_CONVERSATION_TURNS) {
    throw new InvalidRequestError(`The conversation has reached ${MAX_CONVERSATION_TURNS} turns; start a new one.`, { param: 'previous_response_id', code: 'invalid_value' });
  }
  const items: ConversationItem[] = [];
  for (const turn of chain) {
    for (const item of turn.input) items.push(item);
    for (const item of turn.response.output) items.push(item);
  }
  return { items, previous };
}
