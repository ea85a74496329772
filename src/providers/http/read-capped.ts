import { readBounded } from '../../core/read-bounded.ts';

/** Thrown by readCapped when a body is larger than its cap; nothing beyond the cap was kept. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`the body is larger than ${limit} bytes`);
  }
}

/**
 * What a transport's answer may offer besides a Response's: its whole body as
 * text within `limit` bytes, read without a web stream (BodyTooLargeError
 * past it, as readCapped). The Node adapter's transport has it.
 */
export interface TextReadable {
  readText(limit: number): Promise<string>;
}

/**
 * A response body as text, read up to `limit` bytes. A body that declares a
 * larger `content-length`, or sends more, is cancelled at once (the
 * connection is not read further) and BodyTooLargeError thrown. The bytes
 * counted are the decoded ones, so a compressed body cannot expand past the
 * cap either.
 */
export async function readCapped(response: Response & Partial<TextReadable>, limit: number): Promise<string> {
  if (typeof response.readText === 'function') return response.readText(limit);
  const body = response.body;
  if (!body) return '';
  const declared = response.headers.get('content-length');
  // Only when the body is not compressed is the declared length the length read.
  if (declared !== null && !response.headers.has('content-encoding')) {
    const length = Number(declared);
    if (length > limit) {
      await body.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    // Within the cap: fetch holds the body to its declared length on every runtime (and keeps
    // `content-encoding` when it decodes, so an encoded body never gets here), and the runtime's
    // own text() costs less than reading the stream chunk by chunk.
    if (Number.isSafeInteger(length)) return response.text();
  }
  const bytes = await readBounded(body, limit);
  if (!bytes) throw new BodyTooLargeError(limit);
  return new TextDecoder().decode(bytes);
}
