import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { weightedOrder } from '../../src/resilience/weighted-picker.ts';
import { seededRandom } from '../fakes/seeded-random.ts';

const east = { name: 'east', weight: 3 };
const west = { name: 'west', weight: 1 };
const all = () => true;

/** Over n draws with p = 3/4, the count of `east` must be within 4.5 standard deviations of n·p. */
function assertWithinBinomialBound(random: () => number) {
  const n = 1_000;
  let first = 0;
  for (let i = 0; i < n; i++) if (weightedOrder([east, west], all, random)[0] === east) first++;
  const p = 0.75;
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(first - n * p) <= 4.5 * sigma, `east first ${first} times of ${n}; expected ${n * p} ± ${(4.5 * sigma).toFixed(1)}`);
  return first;
}

describe('weighted order', () => {
  test('weights 3:1 over 1,000 picks are within a binomial bound (fixed seed)', () => {
    const first = assertWithinBinomialBound(seededRandom(20_261_128));
    assert.equal(assertWithinBinomialBound(seededRandom(20_261_128)), first, 'the same seed gives the same picks');
  });

  test('weights 3:1 over 1,000 picks are within a binomial bound (Math.random)', () => {
    assertWithinBinomialBound(Math.random);
  });

  test('every target appears once; the rest follow in weighted order too', () => {
    const targets = [{ weight: 5 }, { weight: 1 }, { weight: 1 }, { weight: 3 }];
    const random = seededRandom(7);
    const secondCounts = new Map<object, number>();
    for (let i = 0; i < 2_000; i++) {
      const order = weightedOrder(targets, all, random);
      assert.equal(new Set(order).size, 4);
      if (order[0] === targets[0]) secondCounts.set(order[1]!, (secondCounts.get(order[1]!) ?? 0) + 1);
    }
    // Behind the weight-5 target, the weight-3 one comes second three times as often as a weight-1 one.
    const ratio = secondCounts.get(targets[3]!)! / secondCounts.get(targets[1]!)!;
    assert.ok(ratio > 2 && ratio < 4.5, `ratio ${ratio}`);
  });

  test('unavailable targets (open breakers) are left out; with none available the order is empty', () => {
    for (let i = 0; i < 50; i++) assert.deepEqual(weightedOrder([east, west], (t) => t !== east), [west]);
    assert.deepEqual(weightedOrder([east, west], () => false), []);
    assert.deepEqual(weightedOrder([west], all, () => assert.fail('one target needs no draw')), [west]);
  });

  test('the extremes of the random number pick the first and the last target', () => {
    assert.deepEqual(weightedOrder([east, west], all, () => 0), [east, west]);
    assert.deepEqual(weightedOrder([east, west], all, () => 0.999999), [west, east]);
  });
});
