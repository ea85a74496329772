import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonBytes } from '../../src/conversation/json-bytes.ts';

const decoder = new TextDecoder();
const json = (value: unknown) => decoder.decode(jsonBytes(value));
const large = (ch: string) => ch.repeat(70_000);

describe('jsonBytes', () => {
  test('small values: exactly JSON.stringify as UTF-8', () => {
    for (const value of [{ a: 1, b: 'é"\n', c: [null, true, 1.5] }, [], {}, 'x', 3, null, [undefined, () => 1, NaN, Infinity], { u: undefined, f: () => 1, d: new Date(0), n: -0 }]) {
      assert.equal(json(value), JSON.stringify(value));
    }
  });

  test('long strings, plain ASCII or not, escaped or not, anywhere in the value: exactly JSON.stringify', () => {
    const plain = large('x');
    const values = [
      plain,
      { input: [{ content: [{ text: plain }, { text: plain.slice(1) }] }], after: 'é' },
      [plain, undefined, { s: `a"b\\c\n${plain}` }, large('ü'), large('😀'), `${plain}\ud800`, { d: new Date(0), x: Symbol('s') }],
      { key: plain, [`${plain}k`]: 1, nested: { deeper: [[plain]] }, skipped: undefined },
      { text: `${plain}\u007f` },
    ];
    for (const value of values) assert.equal(json(value), JSON.stringify(value));
  });

  test('an inherited enumerable key is not serialized, as JSON.stringify leaves it out', () => {
    const value = Object.create({ inherited: large('x') }) as Record<string, unknown>;
    value.own = 'y';
    assert.equal(json(value), '{"own":"y"}');
    value.own = large('y');
    assert.equal(json(value), JSON.stringify(value));
    assert.ok(!json(value).includes('inherited'));
  });

  test('what JSON.stringify refuses, it refuses too', () => {
    assert.throws(() => jsonBytes({ big: large('x'), n: 1n }), TypeError);
    const cycle: Record<string, unknown> = { big: large('x') };
    cycle.self = cycle;
    assert.throws(() => jsonBytes(cycle));
  });
});
