import type { ContentPart } from '../../canonical/types.ts';

/** The text of content parts (input, output and refusal text), joined; images and files have none. */
export function contentText(parts: readonly ContentPart[]): string {
  let text = '';
  for (const part of parts) {
    const piece = part.type === 'input_text' || part.type === 'output_text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
    if (piece !== undefined) text = text === '' ? piece : `${text}\n${piece}`;
  }
  return text;
}

/** A function result as text: a string as it is, parts by their text. */
export function outputText(output: string | readonly ContentPart[]): string {
  return typeof output === 'string' ? output : contentText(output);
}
