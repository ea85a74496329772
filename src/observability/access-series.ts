import { AUTH_FAILURE_REASONS, type AuthFailureReason } from '../auth/auth-failure.ts';
import type { IdentityLimits, LimitKind, RateDecision } from '../rate-limit/rate-limiter.ts';
import type { CounterChild } from './metrics/counter-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';

type DecisionSeries = Record<LimitKind, CounterChild>;

/** The series of authentication and rate limiting, bound once (when those features are on). */
export interface AccessSeries {
  authFailures: Record<AuthFailureReason, CounterChild>;
  allowed: DecisionSeries;
  refused: DecisionSeries;
  error: DecisionSeries;
}

/** The order checks look at limits. */
/** The order a check looks at the limits in. */
const ORDER: readonly LimitKind[] = ['budget', 'tokens', 'requests'];

export function accessSeries(metrics: GatewayMetrics): AccessSeries {
  const decision = (name: string): DecisionSeries => ({
    requests: metrics.rateLimitDecisions.child(name, 'requests'),
    tokens: metrics.rateLimitDecisions.child(name, 'tokens'),
    budget: metrics.rateLimitDecisions.child(name, 'budget'),
  });
  const authFailures = {} as Record<AuthFailureReason, CounterChild>;
  for (const reason of AUTH_FAILURE_REASONS) authFailures[reason] = metrics.authFailures.child(reason);
  return { authFailures, allowed: decision('allowed'), refused: decision('refused'), error: decision('error') };
}

/**
 * Counts one check once per limit the identity has, in the order they are
 * checked (budget, tokens, requests): those passed before the refusing one
 * are `allowed`, the refusing one is `refused`, later ones were not looked at.
 * So `refused{limit}` over `allowed{limit} + refused{limit}` is that limit's
 * refusal rate. A backend failure counts `error` for each limit it has.
 */
export function recordDecision(series: AccessSeries, decision: RateDecision, limits: IdentityLimits): void {
  for (const limit of ORDER) {
    if (limit === 'budget' && limits.usdPerDay <= 0) continue;
    if (limit === 'tokens' && limits.tokensPerMinute <= 0) continue;
    if (decision.backendError) {
      series.error[limit].inc();
    } else if (decision.refused === limit) {
      series.refused[limit].inc();
      return;
    } else {
      series.allowed[limit].inc();
    }
  }
}
