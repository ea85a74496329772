/** What replaces a secret in any text derived from an upstream's answer. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not searched for: replacing every "abc" in a
 * message would garble it and protect nothing worth a key's name.
 */
const MIN_SECRET_LENGTH = 4;

/** The secrets worth redacting, longest first (so a key that contains another is replaced whole). */
export function secretList(values: Iterable<string | undefined>): string[] {
  const out = new Set<string>();
  for (const value of values) if (value !== undefined && value.length >= MIN_SECRET_LENGTH) out.add(value);
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a secret (an API key, a configured header value) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  return out;
}

/**
 * At most `max` characters of `text`, redacted first and cut after: a secret
 * straddling the cut is replaced whole before the cut is made, and whatever
 * the cut leaves at its end that begins a secret is dropped too, so not even
 * a key's prefix survives.
 */
export function excerpt(text: string, max: number, secrets: readonly string[]): string {
  const clean = redact(text, secrets);
  if (clean.length <= max) return clean;
  return `${withoutSecretPrefix(clean.slice(0, max), secrets)}…`;
}

/** `text` without a tail that is the beginning of a secret. */
function withoutSecretPrefix(text: string, secrets: readonly string[]): string {
  let cut = text.length;
  for (const secret of secrets) {
    const longest = Math.min(secret.length - 1, text.length);
    for (let n = longest; n > 0; n--) {
      if (text.endsWith(secret.slice(0, n))) {
        cut = Math.min(cut, text.length - n);
        break;
      }
    }
  }
  return text.slice(0, cut);
}
