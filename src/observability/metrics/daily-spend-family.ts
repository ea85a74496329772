import { DAY_MS } from '../../rate-limit/bucket-math.ts';
import type { DailySpend } from '../../rate-limit/rate-limiter.ts';
import { MetricFamily, type MetricValue } from './metric-family.ts';

/** One identity's spend as the limiter last reported it. */
export class DailySpendChild {
  usd = 0;
  day = -1;
  constructor(readonly labels: Readonly<Record<string, string>>) {}
  set(spend: DailySpend): void {
    this.usd = spend.usd;
    this.day = spend.day;
  }
}

/**
 * A gauge of USD spent on the current UTC day: each child keeps the amount
 * and the day the limiter reported with its last charge, and reads 0 once
 * that day is over (the budget starts over at midnight even when nothing was
 * charged since).
 */
export class DailySpendFamily extends MetricFamily<DailySpendChild> {
  readonly type = 'gauge';
  private today = 0;

  constructor(name: string, help: string, labelNames: readonly string[], private readonly now: () => number) {
    super(name, help, labelNames);
  }

  override get(): ReturnType<MetricFamily<DailySpendChild>['get']> {
    this.today = Math.floor(this.now() / DAY_MS);
    return super.get();
  }

  protected create(labels: Readonly<Record<string, string>>): DailySpendChild {
    return new DailySpendChild(labels);
  }

  protected collect(child: DailySpendChild, into: MetricValue[]): void {
    into.push({ labels: child.labels, value: child.day === this.today ? child.usd : 0 });
  }
}
