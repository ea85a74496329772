import { readBounded } from '../core/read-bounded.ts';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';

/** Content-Encodings of a request body the gateway decodes (DecompressionStream has them on every runtime). */
const DECODABLE = new Set(['gzip', 'x-gzip', 'deflate']);

/**
 * Reads a JSON request body of at most `limit` bytes. The body must be sent as
 * `Content-Type: application/json` (415 otherwise), so that a web page cannot
 * post to the gateway as a "simple" cross-origin request. A declared
 * Content-Length over the limit is refused before a byte of the body is read;
 * a chunked body is read only until it passes the limit. A gzip- or
 * deflate-encoded body is decoded, and the limit applies to the decoded bytes
 * as well. `onBytes` learns the size on the wire of a body that came without
 * Content-Length; `onRead` the size of a body whose size was not declared
 * (chunked) or that was decoded (its decoded bytes).
 */
export async function readJsonBody(request: Request, limit: number, onBytes?: (bytes: number) => void, onRead?: (bytes: number) => void): Promise<unknown> {
  checkContentType(request.headers.get('content-type'));
  const encoding = contentEncoding(request.headers.get('content-encoding'));
  const declared = request.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= limit)) throw new PayloadTooLargeError(limit);
  let text: string;
  if (encoding !== undefined) {
    text = await readEncoded(request.body, encoding, limit, onBytes, onRead);
  } else if (declared !== null) {
    // The runtime enforces Content-Length, and text() is the fast path on every adapter.
    text = await request.text();
  } else {
    text = await readLimited(request.body, limit, onBytes, onRead);
  }
  if (text.trim() === '') {
    throw new InvalidRequestError('The request body is empty; send a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      `We could not parse the JSON body of your request (${(error as Error).message.slice(0, 200)}). Send a valid JSON object with Content-Type: application/json.`,
      { code: 'invalid_json', cause: error },
    );
  }
}

/** `application/json`, with any parameters; a charset, if given, must be UTF-8 (JSON's only encoding). */
function checkContentType(header: string | null): void {
  if (header === null) throw new UnsupportedMediaTypeError('Send the request body as JSON with Content-Type: application/json.');
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(`Unsupported Content-Type ${quoteValue(header)}; send the request body as JSON with Content-Type: application/json.`);
  }
  if (semicolon < 0) return;
  const charset = /(?:^|;)\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(header.slice(semicolon));
  if (charset && !/^utf-?8$/i.test(charset[1]!)) {
    throw new UnsupportedMediaTypeError(`Unsupported charset ${quoteValue(charset[1]!)}; JSON bodies must be UTF-8.`);
  }
}

/** The one encoding to undo, or undefined for none; anything else is a 415. */
function contentEncoding(header: string | null): 'gzip' | 'deflate' | undefined {
  if (header === null) return undefined;
  const value = header.trim().toLowerCase();
  if (value === '' || value === 'identity') return undefined;
  if (!DECODABLE.has(value)) {
    throw new UnsupportedMediaTypeError(`Unsupported Content-Encoding ${quoteValue(header)}; send the body uncompressed, or with gzip or deflate.`);
  }
  return value === 'deflate' ? 'deflate' : 'gzip';
}

async function readEncoded(body: ReadableStream<Uint8Array> | null, encoding: 'gzip' | 'deflate', limit: number, onBytes?: (bytes: number) => void, onRead?: (bytes: number) => void): Promise<string> {
  if (!body) return '';
  let wire = 0;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        wire += chunk.byteLength;
        if (wire > limit) throw new PayloadTooLargeError(limit);
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    // A small body can decode to a huge one (a "gzip bomb"): the limit stops decoding as soon as it is passed.
    return await readLimited(counted.pipeThrough(new DecompressionStream(encoding) as unknown as TransformStream<Uint8Array, Uint8Array>), limit, undefined, onRead);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw error;
    throw new InvalidRequestError(`The request body is not valid ${encoding} data, as its Content-Encoding says.`, { code: 'invalid_encoding', cause: error });
  } finally {
    onBytes?.(wire);
  }
}

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number, onBytes?: (bytes: number) => void, onRead?: (bytes: number) => void): Promise<string> {
  const bytes = await readBounded(body, limit);
  if (!bytes) throw new PayloadTooLargeError(limit);
  onBytes?.(bytes.byteLength);
  onRead?.(bytes.byteLength);
  return new TextDecoder().decode(bytes);
}
