import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A function that asks V8 (Node, Deno) for a full collection, asynchronously:
 * V8 schedules it and the caller does not wait. V8 offers it only through
 * `gc`, which exists with --expose-gc; the flag is set here just while one
 * fresh context is made, so that every way of starting the gateway has the
 * function and the global scope never gets `gc`.
 */
export function v8MajorCollection(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'major'; execution: 'async' }) => Promise<void>;
  setFlagsFromString('--no-expose-gc');
  return () => void gc({ type: 'major', execution: 'async' });
}
