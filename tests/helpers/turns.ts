import type { StoredTurn } from '../../src/conversation/store.ts';
import type { ResponseObject } from '../../src/canonical/types.ts';

/** A stored turn with one user message and one answer, for store tests. */
export function turn(id: string, { previous = null, text = `input of ${id}`, owner = 'anonymous', depth }: { previous?: string | null; text?: string; owner?: string; depth?: number } = {}): StoredTurn {
  const response = {
    id,
    object: 'response',
    model: 'mock',
    status: 'completed',
    previous_response_id: previous,
    output: [{ type: 'message', id: `msg_out_${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `Echo: ${text}`, annotations: [] }] }],
  } as unknown as ResponseObject;
  return {
    id,
    owner,
    previousId: previous,
    depth: depth ?? 1,
    historyItems: 0,
    response,
    input: [{ type: 'message', id: `msg_in_${id}`, role: 'user', status: 'completed', content: [{ type: 'input_text', text }] }],
  };
}
