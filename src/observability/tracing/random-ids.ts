import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const pool = new Uint32Array(1024);
let next = pool.length;

function hex32(): string {
  if (next === pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  const n = pool[next++]!;
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}

/**
 * Trace and span ids from the runtime's CSPRNG, drawn 4 KiB at a time, with a
 * table for the hex digits. The SDK's own generator writes Math.random() into
 * a Buffer and calls `toString('hex')`, which on Bun cost over a microsecond
 * per id under load. An all-zero id (invalid in W3C trace context) is
 * drawn again.
 */
export class RandomIds implements IdGenerator {
  generateTraceId(): string {
    const id = hex32() + hex32() + hex32() + hex32();
    return id === '00000000000000000000000000000000' ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = hex32() + hex32();
    return id === '0000000000000000' ? this.generateSpanId() : id;
  }
}
