const encoder = new TextEncoder();

/** One Server-Sent Events message with a named event, as the Responses API frames them. */
export function sseEvent(event: string, json: string): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${json}\n\n`);
}

/** One Server-Sent Events message with data only, as Chat Completions frames them. */
export function sseData(data: string): Uint8Array {
  return encoder.encode(`data: ${data}\n\n`);
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Ask reverse proxies (nginx) not to buffer the stream.
  'x-accel-buffering': 'no',
};
