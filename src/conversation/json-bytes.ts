/** Strings at least this long are copied into the result as they are, not through a JSON text. */
const LARGE_STRING = 64 * 1024;
/** A character JSON would escape, or one that is not ASCII: such a string goes through JSON.stringify. */
const NOT_PLAIN_ASCII = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const encoder = new TextEncoder();

/**
 * `JSON.stringify(value)` as UTF-8 bytes, without ever holding the whole JSON
 * text: a long string of printable ASCII that needs no escape (a pasted
 * document, a base64 image) is written straight into the result, so storing
 * a multi-megabyte turn allocates its bytes once instead of a string of the
 * same size first. Everything else is serialized by JSON.stringify itself,
 * piece by piece, so the bytes are exactly JSON.stringify's (key order,
 * `undefined` and functions skipped or `null` in arrays, `toJSON`,
 * non-finite numbers as `null`).
 */
export function jsonBytes(value: unknown): Uint8Array {
  // Most turns hold no such string: one walk that builds nothing finds out, and JSON.stringify does the rest.
  if (!hasLargeString(value)) return encoder.encode(JSON.stringify(value));
  const texts: string[] = [];
  const raws: string[] = [];
  let text = '';
  const write = (node: unknown, inArray: boolean): void => {
    if (typeof node === 'string') {
      if (node.length >= LARGE_STRING && !NOT_PLAIN_ASCII.test(node)) {
        texts.push(`${text}"`);
        raws.push(node);
        text = '"';
      } else {
        text += JSON.stringify(node);
      }
      return;
    }
    if (typeof node !== 'object' || node === null || typeof (node as { toJSON?: unknown }).toJSON === 'function') {
      // Numbers, booleans, null, objects of their own making: JSON.stringify's own answer (undefined for what it skips).
      const json = JSON.stringify(node);
      text += json === undefined ? (inArray ? 'null' : '') : json;
      return;
    }
    if (Array.isArray(node)) {
      text += '[';
      for (let i = 0; i < node.length; i++) {
        if (i > 0) text += ',';
        write(node[i], true);
      }
      text += ']';
      return;
    }
    text += '{';
    let first = true;
    for (const key of Object.keys(node)) {
      const item = (node as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      text += first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`;
      first = false;
      write(item, false);
    }
    text += '}';
  };
  write(value, false);
  if (raws.length === 0) return encoder.encode(text);
  texts.push(text);
  const encoded = texts.map((t) => encoder.encode(t));
  let total = 0;
  for (const bytes of encoded) total += bytes.byteLength;
  for (const raw of raws) total += raw.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < encoded.length; i++) {
    out.set(encoded[i]!, offset);
    offset += encoded[i]!.byteLength;
    const raw = raws[i];
    if (raw === undefined) break;
    // Printable ASCII: one byte per character, exactly raw.length of them.
    encoder.encodeInto(raw, out.subarray(offset, offset + raw.length));
    offset += raw.length;
  }
  return out;
}

function hasLargeString(node: unknown): boolean {
  if (typeof node === 'string') return node.length >= LARGE_STRING;
  if (typeof node !== 'object' || node === null || typeof (node as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(node)) {
    for (const item of node) if (hasLargeString(item)) return true;
    return false;
  }
  for (const key in node) if (Object.hasOwn(node, key) && hasLargeString((node as Record<string, unknown>)[key])) return true;
  return false;
}
