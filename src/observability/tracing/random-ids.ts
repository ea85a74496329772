import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_BYTES = 2048;
const bytes = new Uint8Array(POOL_BYTES);
const digits: string[] = new Array(POOL_BYTES);
let pool = '';
let next = 0;

/** `length` random hex digits, cut from a pool of 4,096 drawn at once. */
function take(length: number): string {
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

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Trace and span ids from the runtime's CSPRNG: 2 KiB drawn at once and
 * turned into one flat hex string, from which each id is a slice. The SDK's
 * own generator writes Math.random() into a Buffer and calls
 * `toString('hex')`, and ids concatenated from pieces are flattened later
 * on first use; both showed in Bun's profiles at over a microsecond per id.
 * An all-zero id (invalid in W3C trace context) is drawn again.
 */
export class RandomIds implements IdGenerator {
  generateTraceId(): string {
    const id = take(32);
    return id === ZERO_TRACE ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = take(16);
    return id === ZERO_SPAN ? this.generateSpanId() : id;
  }
}
