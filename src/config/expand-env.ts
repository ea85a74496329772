import { parse as parseYaml } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$(\$)|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string value of a parsed
 * document (never in keys, and never in the raw text, so a value cannot inject
 * YAML structure). `$$` is a literal `$`. An unset variable without a default
 * expands to the empty string, as in a shell.
 *
 * A value that is one reference and nothing else takes the type of what it
 * expands to, so `port: ${PORT}` or `enabled: ${TRACING:-false}` yield a
 * number or a boolean rather than a string.
 */
export function expandEnv(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((item) => expandEnv(item, env));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env);
    return out;
  }
  return value;
}

function expandString(text: string, env: Env): unknown {
  if (!text.includes('$')) return text;
  const expanded = text.replace(REFERENCE, (_match, dollar: string | undefined, name: string, fallback: string | undefined) => {
    if (dollar) return '$';
    const found = env[name];
    return found === undefined || found === '' ? (fallback ?? '') : found;
  });
  if (!WHOLE_REFERENCE.test(text)) return expanded;
  const typed: unknown = safeScalar(expanded);
  return typeof typed === 'number' || typeof typed === 'boolean' ? typed : expanded;
}

function safeScalar(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}
