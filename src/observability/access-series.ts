import { AUTH_FAILURE_REASONS, type AuthFailureReason } from '../auth/auth-failure.ts';
import type { IdentityLimits, LimitKind, RateDecision } from '../rate-limit/rate-limiter.ts';
import type { CounterChild } from './metrics/counter-family.ts';
import type { DailySpendChild } from './metrics/daily-spend-family.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';

type DecisionSeries = Record<LimitKind, CounterChild>;

/** The series of authentication and rate limiting, bound once (when those features are on). */
export interface AccessSeries {
  authFailures: Record<AuthFailureReason, CounterChild>;
  allowed: DecisionSeries;
  refused: DecisionSeries;
  error: DecisionSeries;
  /** `rate_limit_budget_spent_usd` by configured key name, for the keys with a budget only. */
  budgets: ReadonlyMap<string, DailySpendChild>;
}

/** A key with a daily budget: its configured name and USD per day. */
export interface BudgetedKey {
  readonly name: string;
  readonly usdPerDay: number;
}

/** The order checks look at limits. */
/** The order a check looks at the limits in. */
const ORDER: readonly LimitKind[] = ['budget', 'tokens', 'requests'];

/**
 * Binds the series once. The budget gauges exist from start-up for every key
 * with a budget (and only those: label values are configured key names,
 * never an OIDC subject or anything a client sends).
 */
export function accessSeries(metrics: GatewayMetrics, budgeted: readonly BudgetedKey[] = []): AccessSeries {
  const decision = (name: string): DecisionSeries => ({
    requests: metrics.rateLimitDecisions.child(name, 'requests'),
    tokens: metrics.rateLimitDecisions.child(name, 'tokens'),
    budget: metrics.rateLimitDecisions.child(name, 'budget'),
  });
  const authFailures = {} as Record<AuthFailureReason, CounterChild>;
  for (const reason of AUTH_FAILURE_REASONS) authFailures[reason] = metrics.authFailures.child(reason);
  const budgets = new Map<string, DailySpendChild>();
  for (const key of budgeted) {
    metrics.budgetLimit.child(key.name).set(key.usdPerDay);
    budgets.set(key.name, metrics.budgetSpent.child(key.name));
  }
  return { authFailures, allowed: decision('allowed'), refused: decision('refused'), error: decision('error'), budgets };
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
