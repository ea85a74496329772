import type { RequestLimits } from '../config/schema.ts';
import { InvalidRequestError } from '../errors/gateway-error.ts';
import { boundedKey } from '../errors/quote-value.ts';

/** A `param` path longer than this is cut: it names a field, it need not spell out a whole deep one. */
const PARAM_LIMIT = 256;

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

/**
 * Checks a parsed request body against the configured limits before anything
 * else looks at it: the length of the top-level lists named in `lists` (their
 * key → the most items allowed), then, in one walk with its own stack (so a
 * deep body cannot overflow the call stack), the nesting depth and the length
 * of every string and object key. A body beyond a limit is a 400 whose
 * `param` is the field, in the words and codes OpenAI uses for its own limits.
 */
export function checkJsonLimits(body: unknown, limits: RequestLimits, lists: Readonly<Record<string, number>>): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  for (const key in lists) {
    const list = (body as Record<string, unknown>)[key];
    const max = lists[key]!;
    if (Array.isArray(list) && list.length > max) {
      throw new InvalidRequestError(`Invalid '${key}': array too long. Expected an array with maximum length ${max}, but got an array with length ${list.length} instead.`, {
        param: key,
        code: 'array_above_max_length',
      });
    }
  }
  const { max_json_depth: maxDepth, max_string_length: maxString } = limits;
  const stack: Frame[] = [{ value: body, depth: 1, parent: undefined, key: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, depth } = frame;
    if (depth > maxDepth) {
      const param = paramOf(frame);
      throw new InvalidRequestError(`Invalid '${param}': nested too deeply. Expected at most ${maxDepth} levels of objects and arrays in the request body.`, {
        param,
        code: 'nesting_above_max_depth',
      });
    }
    // Only containers go on the stack; strings are checked where they are found.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (typeof item === 'string') {
          if (item.length > maxString) throw stringTooLong(paramOf({ value: item, depth, parent: frame, key: i }), maxString, item.length);
        } else if (item !== null && typeof item === 'object') {
          stack.push({ value: item, depth: depth + 1, parent: frame, key: i });
        }
      }
    } else {
      const keys = Object.keys(value as object);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (key.length > maxString) throw stringTooLong(paramOf({ value: undefined, depth, parent: frame, key }), maxString, key.length);
        const item = (value as Record<string, unknown>)[key];
        if (typeof item === 'string') {
          if (item.length > maxString) throw stringTooLong(paramOf({ value: item, depth, parent: frame, key }), maxString, item.length);
        } else if (item !== null && typeof item === 'object') {
          stack.push({ value: item, depth: depth + 1, parent: frame, key });
        }
      }
    }
  }
}

function stringTooLong(param: string, max: number, length: number): InvalidRequestError {
  return new InvalidRequestError(`Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${length} instead.`, {
    param,
    code: 'string_above_max_length',
  });
}

/** `input[0].content`, from the frame up to the body (which has no name of its own). */
function paramOf(frame: Frame): string {
  const parts: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) parts.push(f.key);
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    out += typeof part === 'number' ? `[${part}]` : out === '' ? boundedKey(part) : `.${boundedKey(part)}`;
    if (out.length > PARAM_LIMIT) return `${out.slice(0, PARAM_LIMIT)}…`;
  }
  return out;
}
