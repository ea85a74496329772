import { InvalidRequestError, PayloadTooLargeError } from '../errors/gateway-error.ts';

/**
 * Reads a JSON request body of at most `limit` bytes. A declared
 * Content-Length over the limit is refused before a byte of the body is read;
 * a chunked body is read only until it passes the limit. `onBytes` learns the
 * size of a body that came without Content-Length.
 */
export async function readJsonBody(request: Request, limit: number, onBytes?: (bytes: number) => void): Promise<unknown> {
  const declared = request.headers.get('content-length');
  let text: string;
  if (declared !== null) {
    if (!(Number(declared) <= limit)) throw new PayloadTooLargeError(limit);
    // The runtime enforces Content-Length, and text() is the fast path on every adapter.
    text = await request.text();
  } else {
    text = await readLimited(request.body, limit, onBytes);
  }
  if (text.trim() === '') {
    throw new InvalidRequestError('The request body is empty; send a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      `We could not parse the JSON body of your request (${(error as Error).message}). Send a valid JSON object with Content-Type: application/json.`,
      { code: 'invalid_json', cause: error },
    );
  }
}

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number, onBytes?: (bytes: number) => void): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  onBytes?.(total);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
