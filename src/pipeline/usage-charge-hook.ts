import type { ModelConfig } from '../config/schema.ts';
import type { RequestScope } from '../core/request-scope.ts';
import type { ConfiguredRateLimiter, LimitPolicy } from '../rate-limit/create-rate-limiter.ts';
import type { DailySpend } from '../rate-limit/rate-limiter.ts';
import type { CallHook } from './call-hook.ts';

type Pricing = NonNullable<ModelConfig['pricing']>;

/**
 * Charges each call's real usage (input + output tokens, and its cost from
 * `models[].pricing`) to the identity its request was limited as, once, when
 * the call has ended: a stream at its terminal event, a cancelled or failed
 * one with the usage it had reached. The next request's check sees it.
 * `onSpend` receives the budget's state after each charge that charged one.
 */
export function usageChargeHook(
  limiter: ConfiguredRateLimiter,
  models: readonly ModelConfig[],
  policyOf?: (scope: RequestScope) => LimitPolicy | undefined,
  onSpend?: (scope: RequestScope, spend: DailySpend) => void,
): CallHook {
  const pricing = new Map<string, Pricing>();
  for (const model of models) if (model.pricing) pricing.set(model.name, model.pricing);
  return {
    after(call) {
      const identity = call.scope.limitIdentity;
      const usage = call.usage;
      if (identity === undefined || !usage) return;
      const tokens = usage.input_tokens + usage.output_tokens;
      const price = pricing.get(call.route.name);
      const usd = price ? (usage.input_tokens * price.input_per_million + usage.output_tokens * price.output_per_million) / 1_000_000 : 0;
      if (tokens <= 0 && usd <= 0) return;
      const charged = limiter.chargeFor(identity, { tokens, usd }, policyOf?.(call.scope));
      if (!onSpend || usd <= 0) return charged;
      return charged.then((spend) => {
        if (spend) onSpend(call.scope, spend);
      });
    },
  };
}
