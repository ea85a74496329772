/** The longest part of a client's value an error message repeats. */
export const QUOTE_LIMIT = 64;

/**
 * A client's value as an error message quotes it: in single quotes, cut to
 * its first characters when long (with its length said), so a huge value never
 * becomes a huge answer, log line or span attribute.
 */
export function quoteValue(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return `'${value}'`;
  return `'${value.slice(0, limit)}…' (${value.length} characters)`;
}

/** A client-chosen name (an object key) cut for use inside a `param` path. */
export function boundedKey(key: string, limit = QUOTE_LIMIT): string {
  return key.length <= limit ? key : `${key.slice(0, limit)}…`;
}
