/**
 * Cheap structural checks of the fields a translator reads from an upstream
 * answer or event: not a schema validation, just enough that an answer of
 * the wrong shape (`{}`, a list where an object belongs, a call without a
 * name) fails as unreadable instead of becoming an empty `completed`
 * response. Messages name the field, never quote the upstream's value.
 */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export type Fields = Record<string, unknown>;

/** `value` as an object (not null, not a list), or a ShapeError naming `what`. */
export function object(value: unknown, what: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ShapeError(`${what} is not an object`);
  return value as Fields;
}

/** Like `object`, but absent (undefined or null) is allowed. */
export function optionalObject(value: unknown, what: string): Fields | undefined {
  return value === undefined || value === null ? undefined : object(value, what);
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`${what} is not a list`);
  return value;
}

/** Like `list`, but absent (undefined or null) is an empty list. */
export function optionalList(value: unknown, what: string): unknown[] {
  return value === undefined || value === null ? [] : list(value, what);
}

export function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${what} is not a string`);
  return value;
}

/** Like `string`, but absent (undefined or null) is undefined. */
export function optionalString(value: unknown, what: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, what);
}

/** A list index as upstreams send them: a whole number from 0, bounded so it cannot grow an array without end. */
export function index(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INDEX) throw new ShapeError(`${what} is not an index`);
  return value;
}

const MAX_INDEX = 65_535;

/** A token count: anything but a non-negative finite number counts as 0, so metrics never see NaN or a string. */
export function tokens(value: unknown): number {
  return typeof value === 'number' && value >= 0 && Number.isFinite(value) ? value : 0;
}

/**
 * The upstream's model name, for spans and logs only: a short string, with
 * the provider's secrets never taken along (an upstream that echoes its key
 * there must not put it in a span).
 */
export function modelName(value: unknown, secrets: readonly string[]): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_MODEL_NAME) return undefined;
  for (const secret of secrets) if (value.includes(secret)) return undefined;
  return value;
}

const MAX_MODEL_NAME = 256;
