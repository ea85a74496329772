/** Bodies smaller than this are left to the runtime's young-generation collections, which free them promptly. */
const LARGE_BODY = 1024 * 1024;

/** What an adapter counts towards its collections after large bodies. */
export interface BodyCounter {
  /** A request's `Content-Length` header, as the request arrives (before its body is read). */
  declared(contentLength: string | null | undefined): void;
  /** The bytes of a body whose size was not declared (chunked, a WebSocket message) or that were decoded from a Content-Encoding, once read. */
  read(bytes: number): void;
}

/**
 * Counts the sizes of large request bodies and calls `collect` each time
 * `budget` bytes of them have arrived. A multi-megabyte body leaves
 * full-size garbage behind (the bytes, the decoded text, the parsed strings)
 * that outlives the young generation, and the runtimes collect it only when
 * their heap has grown by a multiple of what is live: without a nudge a run
 * of such requests holds hundreds of megabytes more than the gateway keeps.
 * Small bodies cost one comparison.
 */
export function collectAfterBodies(collect: () => void, budget = 16 * 1024 * 1024): BodyCounter {
  let received = 0;
  const count = (bytes: number): void => {
    if (!(bytes >= LARGE_BODY)) return;
    received += bytes;
    if (received < budget) return;
    received = 0;
    collect();
  };
  return {
    declared(contentLength) {
      // A string compare first: bodies under a megabyte have fewer than 7 digits.
      if (contentLength == null || contentLength.length < 7) return;
      count(Number(contentLength));
    },
    read: count,
  };
}
