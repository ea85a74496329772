import type { IdGenerator } from '@opentelemetry/sdk-trace-base';
import { randomHex as take } from '../../core/random-hex.ts';

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Trace and span ids from the runtime's CSPRNG, as slices of one hex string
 * (see randomHex). The SDK's
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
