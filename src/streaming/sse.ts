const encoder = new TextEncoder();

/**
 * One Server-Sent Events message with a named event, as the Responses API
 * frames them. Text: the delivery stage encodes each batch of events once.
 */
export function sseEvent(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}

/** The same message as UTF-8, for what keeps events as bytes (a background run's replay buffer). */
export function sseEventBytes(event: string, json: string): Uint8Array {
  return encoder.encode(sseEvent(event, json));
}

/** One Server-Sent Events message with data only, as Chat Completions frames them. */
export function sseData(data: string): string {
  return `data: ${data}\n\n`;
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Ask reverse proxies (nginx) not to buffer the stream.
  'x-accel-buffering': 'no',
};
