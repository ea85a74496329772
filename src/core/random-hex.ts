const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_BYTES = 2048;
const bytes = new Uint8Array(POOL_BYTES);
const digits: string[] = new Array(POOL_BYTES);
let pool = '';
let next = 0;

/**
 * `length` random hex digits (at most 4,096), from the runtime's CSPRNG: 2 KiB
 * are drawn at once and turned into one flat hex string, of which each call
 * takes the next slice. For ids that must not be guessed (stored responses,
 * trace ids): a UUID made and stripped of its dashes costs several times as
 * much per id.
 */
export function randomHex(length: number): string {
  if (next + length > pool.length) {
    crypto.getRandomValues(bytes);
    for (let i = 0; i < POOL_BYTES; i++) digits[i] = HEX[bytes[i]!]!;
    pool = digits.join('');
    next = 0;
  }
  const id = pool.slice(next, next + length);
  next += length;
  return id;
}
