import type { GatewayError } from '../../errors/gateway-error.ts';
import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink, StreamTranslator } from '../http/stream-translator.ts';
import { upstreamEventError } from '../http/upstream-error.ts';
import { ItemTracker } from './item-tracker.ts';
import { modelName } from './shape.ts';

/** What every provider's stream translator has: its items, and the two ways an upstream stream fails. */
export abstract class BaseStreamTranslator implements StreamTranslator {
  protected readonly items = new ItemTracker();

  constructor(
    protected readonly provider: string,
    private readonly secrets: readonly string[],
  ) {}

  abstract message(message: SseMessage, out: EventSink): void;
  abstract end(out: EventSink): void;

  /** An error the upstream reported inside its stream. */
  protected reported(payload: unknown): GatewayError {
    return upstreamEventError(this.provider, payload, this.secrets);
  }

  /** The upstream's model name, fit for a span (bounded, never carrying a secret). */
  protected modelName(value: unknown): string | undefined {
    return modelName(value, this.secrets);
  }

  /** The stream ended before the upstream said the answer was complete. */
  protected cutShort(): GatewayError {
    return UpstreamFailure.truncated(this.provider);
  }
}
