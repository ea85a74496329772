/**
 * A function call's `arguments` string as the object upstreams with
 * structured tool input want (Anthropic's `input`, Gemini's `args`). Text
 * that is not a JSON object (a call cut short by a token limit) becomes `{}`
 * rather than making the whole conversation unsendable.
 */
export function argumentsObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
