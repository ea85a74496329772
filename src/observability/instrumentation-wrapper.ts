import type { ProviderWrapper } from '../providers/provider-wrapper.ts';
import { InstrumentedProvider, type Instrumentation } from './instrumented-provider.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { providerSeries } from './provider-series.ts';
import type { Tracing } from './tracing/create-tracing.ts';

/**
 * Metrics and provider spans for each route target: one InstrumentedProvider
 * per configured model, bound to that model's label values. Installed only
 * when metrics or tracing is on.
 */
export function instrumentationWrapper(metrics: GatewayMetrics | undefined, tracing: Tracing | undefined): ProviderWrapper {
  return function instrument(provider, target) {
    const options: Instrumentation = { model: target.name };
    if (metrics) options.series = providerSeries(metrics, provider.name, target.name, target.pricing);
    if (tracing) options.tracing = tracing;
    return new InstrumentedProvider(provider, options);
  };
}
