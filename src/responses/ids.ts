import { randomHex } from '../core/random-hex.ts';

/** OpenAI-style ids: a type prefix and 32 random hex digits (`resp_…`, `msg_…`, `fc_…`). */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'rs' | 'cmp'): string {
  return `${prefix}_${randomHex(32)}`;
}
