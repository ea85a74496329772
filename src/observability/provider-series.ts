import type { CounterChild } from './metrics/counter-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { HistogramChild } from './metrics/histogram-family.ts';

export interface OperationSeries {
  success: CounterChild;
  error: CounterChild;
  cancelled: CounterChild;
  duration: HistogramChild;
}

/** Every series one (provider, model) pair updates, bound once at start-up. */
export interface ProviderSeries {
  generate: OperationSeries;
  generate_stream: OperationSeries;
  /** Input-token counting calls (`operation="count_tokens"`): made on first use, as few providers are counted on. */
  countTokens(): OperationSeries;
  inputTokens: CounterChild;
  outputTokens: CounterChild;
  ttfb: HistogramChild;
  chunks: CounterChild;
  streamDuration: HistogramChild;
  /** Present when the model has a price table. */
  cost?: { child: CounterChild; inputPerToken: number; outputPerToken: number };
}

export interface Pricing {
  input_per_million: number;
  output_per_million: number;
}

export function providerSeries(metrics: GatewayMetrics, provider: string, model: string, pricing?: Pricing): ProviderSeries {
  const operation = (name: 'generate' | 'generate_stream' | 'count_tokens'): OperationSeries => ({
    success: metrics.providerRequests.child(provider, model, name, 'success'),
    error: metrics.providerRequests.child(provider, model, name, 'error'),
    cancelled: metrics.providerRequests.child(provider, model, name, 'cancelled'),
    duration: metrics.providerDuration.child(provider, model, name),
  });
  let counting: OperationSeries | undefined;
  return {
    generate: operation('generate'),
    generate_stream: operation('generate_stream'),
    countTokens: () => (counting ??= operation('count_tokens')),
    inputTokens: metrics.providerTokens.child(provider, model, 'input'),
    outputTokens: metrics.providerTokens.child(provider, model, 'output'),
    ttfb: metrics.streamTtfb.child(provider, model),
    chunks: metrics.streamChunks.child(provider, model),
    streamDuration: metrics.streamDuration.child(provider, model),
    ...(pricing
      ? { cost: { child: metrics.providerCost.child(provider, model), inputPerToken: pricing.input_per_million / 1e6, outputPerToken: pricing.output_per_million / 1e6 } }
      : {}),
  };
}
