import { checkStreamEvent } from './open-responses-spec.ts';

/** A parsed Server-Sent Events message. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * Parses a complete SSE body strictly: every message must end with a blank
 * line, and only `event:` and `data:` fields are allowed (what the gateway
 * sends). Throws on anything else, so framing mistakes fail tests.
 */
export function parseSse(text: string): SseMessage[] {
  if (text.length > 0 && !text.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  const messages: SseMessage[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(': ');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 2);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
    }
    messages.push({ event, data: data.join('\n') });
  }
  return messages;
}

/** Responses API events: each message's JSON, after checking `event:` equals its `type` and the event against the Open Responses specification. */
export function parseResponseEvents(text: string): Array<Record<string, any> & { type: string; sequence_number: number }> {
  return parseSse(text).map((m) => {
    const json = JSON.parse(m.data);
    if (m.event !== json.type) throw new Error(`event line ${m.event} does not match type ${json.type}`);
    checkStreamEvent(json);
    return json;
  });
}
