/**
 * The least a gateway does to a stream: each complete SSE event's data is
 * parsed and serialised again. Events end with a blank line (`\n\n`, as the
 * bench's upstream writes them); `[DONE]` and lines that are not data pass
 * through as they are.
 */
export function reencodeEvents(text: string): { out: string; rest: string; events: number } {
  let out = '';
  let events = 0;
  let start = 0;
  for (let end = text.indexOf('\n\n', start); end >= 0; end = text.indexOf('\n\n', start)) {
    const block = text.slice(start, end);
    start = end + 2;
    events++;
    if (block.startsWith('data: ') && block !== 'data: [DONE]') out += `data: ${JSON.stringify(JSON.parse(block.slice(6)))}\n\n`;
    else out += `${block}\n\n`;
  }
  return { out, rest: text.slice(start), events };
}
