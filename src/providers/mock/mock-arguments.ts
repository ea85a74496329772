import type { FunctionTool } from '../../canonical/types.ts';

/** How deep into nested objects and arrays arguments are built; deeper values are left empty. */
const MAX_DEPTH = 6;
/** The most values one set of arguments holds, whatever the schema declares. */
const MAX_VALUES = 64;
/** The most properties filled in one object. */
const MAX_PROPERTIES = 16;
/** The most items a required-length array gets. */
const MAX_ITEMS = 3;
/** The longest string value taken from the message. */
const MAX_WORD = 256;
/** A string the message does not supply. */
const FIXED_WORD = 'mock';

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Lower-case words (letters and digits) of a text. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/**
 * The tool a model would pick for `message`: the first whose name, or a word
 * of its name (split on `_` and `-`), appears in it, case-insensitively.
 */
export function toolNamedIn(tools: readonly FunctionTool[], message: string): FunctionTool | undefined {
  const lower = message.toLowerCase();
  const words = new Set(wordsOf(message));
  return tools.find((tool) => lower.includes(tool.name.toLowerCase()) || tool.name.toLowerCase().split(/[_-]+/).some((part) => part.length > 0 && words.has(part)));
}

/**
 * Arguments for `tool` built from its JSON schema, deterministically: the
 * required properties (all declared ones when none are marked required),
 * strings from the message (its last word that is not part of the tool's
 * name) or a fixed word, numbers 1 (within `minimum`/`maximum`), booleans
 * true, enums and consts their first value, nested objects and arrays
 * minimal; bounded in depth and size. A tool without declared properties
 * gets `{"input": <message>}`.
 */
export function mockArguments(tool: FunctionTool, message: string): string {
  const root = tool.parameters;
  if (!isSchema(root) || !isSchema(root.properties) || Object.keys(root.properties).length === 0) return JSON.stringify({ input: message });
  const nameParts = new Set(tool.name.toLowerCase().split(/[_-]+/));
  const candidates = message.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0 && !nameParts.has(w.toLowerCase()));
  const builder = { root, word: (candidates[candidates.length - 1] ?? FIXED_WORD).slice(0, MAX_WORD), values: 0 };
  return JSON.stringify(valueFor(root, builder, 0));
}

interface Builder {
  readonly root: Schema;
  readonly word: string;
  values: number;
}

function valueFor(schema: Schema, builder: Builder, depth: number): unknown {
  builder.values++;
  const resolved = resolve(schema, builder.root);
  if (resolved.const !== undefined) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  const branch = Array.isArray(resolved.anyOf) ? resolved.anyOf[0] : Array.isArray(resolved.oneOf) ? resolved.oneOf[0] : undefined;
  if (isSchema(branch)) return valueFor(branch, builder, depth + 1);
  switch (typeOf(resolved)) {
    case 'string':
      return builder.word;
    case 'integer':
    case 'number':
      return clamp(resolved);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const min = typeof resolved.minItems === 'number' ? Math.min(resolved.minItems, MAX_ITEMS) : 0;
      const items = isSchema(resolved.items) ? resolved.items : {};
      const out: unknown[] = [];
      for (let i = 0; i < min && depth < MAX_DEPTH && builder.values < MAX_VALUES; i++) out.push(valueFor(items, builder, depth + 1));
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = isSchema(resolved.properties) ? resolved.properties : {};
      const required = Array.isArray(resolved.required) ? resolved.required.filter((k): k is string => typeof k === 'string') : Object.keys(properties);
      for (const key of required.slice(0, MAX_PROPERTIES)) {
        if (depth >= MAX_DEPTH || builder.values >= MAX_VALUES) break;
        const property = properties[key];
        out[key] = isSchema(property) ? valueFor(property, builder, depth + 1) : builder.word;
      }
      return out;
    }
    default:
      return builder.word;
  }
}

/** A local `$ref` (`#/$defs/…`, `#/definitions/…`) followed, a few levels at most; anything else as it is. */
function resolve(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 4 && typeof current.$ref === 'string'; hops++) {
    const path = current.$ref.startsWith('#/') ? current.$ref.slice(2).split('/') : [];
    let target: unknown = path.length > 0 ? root : undefined;
    for (const segment of path) target = isSchema(target) ? target[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (!isSchema(target)) return {};
    current = target;
  }
  return current;
}

/** The schema's type: the first non-null one of a list, or what its keywords imply. */
function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (isSchema(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function clamp(schema: Schema): number {
  let value = 1;
  if (typeof schema.minimum === 'number' && value < schema.minimum) value = Math.ceil(schema.minimum);
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = Math.floor(schema.maximum);
  return value;
}
