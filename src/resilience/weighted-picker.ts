/** Anything with a weight (a positive whole number). */
export interface Weighted {
  readonly weight: number;
}

/**
 * The order in which to try `targets`: the first drawn at random by weight
 * among those `available` says may take a call, then the rest of those
 * likewise (weighted draws without replacement), so a failed call falls over
 * to the others in proportion too. Unavailable targets (an open breaker) are
 * left out. With one target there is nothing to draw.
 */
export function weightedOrder<T extends Weighted>(targets: readonly T[], available: (target: T) => boolean, random: () => number = Math.random): T[] {
  const pool: T[] = [];
  let total = 0;
  for (const target of targets) {
    if (!available(target)) continue;
    pool.push(target);
    total += target.weight;
  }
  if (pool.length <= 1) return pool;
  const order: T[] = [];
  while (pool.length > 1) {
    let point = random() * total;
    let i = 0;
    // Subtract weights until the point falls inside one; the last guards against rounding.
    while (i < pool.length - 1 && point >= pool[i]!.weight) point -= pool[i++]!.weight;
    const [picked] = pool.splice(i, 1);
    order.push(picked!);
    total -= picked!.weight;
  }
  order.push(pool[0]!);
  return order;
}
