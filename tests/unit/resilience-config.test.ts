import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/config-error.ts';
import { modelTargets } from '../../src/config/model-targets.ts';
import { parseConfigText } from '../../src/config/parse-config.ts';

function problems(text: string): readonly string[] {
  try {
    parseConfigText(text, {}, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('config was accepted');
}

const PROVIDERS = `providers:
  a: { type: mock }
  b: { type: mock }
  c: { type: mock }
`;

describe('retry and circuit_breaker config', () => {
  test('absent: no retry and no breaker', () => {
    const config = parseConfigText(PROVIDERS + 'models: [{ name: m, provider: a }]\n', {});
    assert.equal(config.providers.a!.retry, undefined);
    assert.equal(config.providers.a!.circuit_breaker, undefined);
  });

  test('present and empty: every key takes its default, durations in milliseconds', () => {
    const config = parseConfigText('providers:\n  a: { type: mock, retry: {}, circuit_breaker: {} }\nmodels: [{ name: m, provider: a }]\n', {});
    assert.deepEqual(config.providers.a!.retry, { max_attempts: 3, initial_backoff: 500, max_backoff: 8_000 });
    assert.deepEqual(config.providers.a!.circuit_breaker, { failure_ratio: 0.5, min_requests: 10, window: 30_000, open_for: 60_000, half_open_requests: 3 });
  });

  test("the issue's example parses on an HTTP provider", () => {
    const config = parseConfigText(
      `providers:
  openai:
    type: openai
    api_key: k
    retry: { max_attempts: 3, initial_backoff: 500ms, max_backoff: 8s }
    circuit_breaker: { failure_ratio: 0.5, min_requests: 5, window: 30s, open_for: 60s, half_open_requests: 3 }
models: [{ name: smart, provider: openai, provider_model_id: gpt-4o }]
`,
      {},
    );
    const openai = config.providers.openai!;
    assert.deepEqual(openai.retry, { max_attempts: 3, initial_backoff: 500, max_backoff: 8_000 });
    assert.deepEqual(openai.circuit_breaker, { failure_ratio: 0.5, min_requests: 5, window: 30_000, open_for: 60_000, half_open_requests: 3 });
  });

  test('bad values name the key and what is expected', () => {
    const text = `providers:
  a:
    type: mock
    retry: { max_attempts: 0, initial_backoff: 2s, max_backoff: 1s, jitter: true }
    circuit_breaker: { failure_ratio: 0, min_requests: 0, window: 0, open_for: soon, half_open_requests: 1.5 }
  b: { type: mock, retry: { max_attempts: 11 }, circuit_breaker: { failure_ratio: 1.5 } }
models: [{ name: m, provider: a }]
`;
    const found = problems(text);
    for (const expected of [
      /^providers\.a\.retry\.max_attempts: got 0; expected a whole number from 1 to 10$/,
      /^providers\.a\.retry\.jitter: unknown key/,
      /^providers\.a\.circuit_breaker\.failure_ratio: got 0; expected a number above 0 and at most 1$/,
      /^providers\.a\.circuit_breaker\.min_requests: got 0; expected a whole number >= 1$/,
      /^providers\.a\.circuit_breaker\.window: got 0; expected a duration above zero such as "30s"$/,
      /^providers\.a\.circuit_breaker\.open_for: got "soon"; expected a duration such as "60s"/,
      /^providers\.a\.circuit_breaker\.half_open_requests: got 1\.5; expected a whole number >= 1$/,
      /^providers\.b\.retry\.max_attempts: got 11; expected a whole number from 1 to 10$/,
      /^providers\.b\.circuit_breaker\.failure_ratio: got 1\.5; expected a number above 0 and at most 1$/,
    ]) {
      assert.ok(found.some((line) => expected.test(line)), `${expected} not in:\n${found.join('\n')}`);
    }
  });

  test('max_backoff below initial_backoff is refused at max_backoff', () => {
    const found = problems('providers:\n  a: { type: mock, retry: { initial_backoff: 2s, max_backoff: 1s } }\nmodels: [{ name: m, provider: a }]\n');
    assert.deepEqual(found, ['providers.a.retry.max_backoff: got a mapping; expected max_backoff to be at least initial_backoff']);
  });
});

describe('targets config', () => {
  test("the issue's weighted example parses; weight defaults to 1 and provider_model_id to the model's name", () => {
    const config = parseConfigText(
      `providers:
  azure-east: { type: mock }
  azure-west: { type: mock }
models:
  - name: gpt-4o-pool
    targets:
      - { provider: azure-east, provider_model_id: gpt-4o, weight: 3 }
      - { provider: azure-west }
`,
      {},
    );
    const model = config.models[0]!;
    assert.ok('targets' in model);
    assert.deepEqual(model.targets, [
      { provider: 'azure-east', provider_model_id: 'gpt-4o', weight: 3 },
      { provider: 'azure-west', weight: 1 },
    ]);
    assert.deepEqual(modelTargets(model), [
      { provider: 'azure-east', providerModelId: 'gpt-4o', weight: 3 },
      { provider: 'azure-west', providerModelId: 'gpt-4o-pool', weight: 1 },
    ]);
  });

  test('a single-provider model is one target of weight 1', () => {
    const config = parseConfigText(PROVIDERS + 'models: [{ name: m, provider: a, provider_model_id: up }, { name: n, provider: b }]\n', {});
    assert.deepEqual(modelTargets(config.models[0]!), [{ provider: 'a', providerModelId: 'up', weight: 1 }]);
    assert.deepEqual(modelTargets(config.models[1]!), [{ provider: 'b', providerModelId: 'n', weight: 1 }]);
  });

  test('exactly one of provider or targets', () => {
    assert.deepEqual(problems(PROVIDERS + 'models: [{ name: m, provider: a, targets: [{ provider: b }] }]\n'), [
      'models[0]: got a mapping; expected either provider (with provider_model_id) or targets, not both',
    ]);
    assert.deepEqual(problems(PROVIDERS + 'models: [{ name: m, provider_model_id: x, targets: [{ provider: b }] }]\n'), [
      'models[0]: got a mapping; expected either provider (with provider_model_id) or targets, not both',
    ]);
    assert.deepEqual(problems(PROVIDERS + 'models: [{ name: m }]\n'), ['models[0]: got a mapping; expected provider (a key of providers) or targets']);
  });

  test('weights are whole numbers from 1 to 1000; at least one target; providers must exist; no duplicate targets', () => {
    const found = problems(
      PROVIDERS +
        `models:
  - { name: m, targets: [{ provider: a, weight: 0 }, { provider: b, weight: 1.5 }, { provider: c, weight: 1001 }, { provider: a, weight: "3" }] }
  - { name: n, targets: [] }
`,
    );
    for (const expected of [
      /^models\[0\]\.targets\[0\]\.weight: got 0; expected a whole number from 1 to 1000$/,
      /^models\[0\]\.targets\[1\]\.weight: got 1\.5; expected a whole number from 1 to 1000$/,
      /^models\[0\]\.targets\[2\]\.weight: got 1001; expected a whole number from 1 to 1000$/,
      /^models\[0\]\.targets\[3\]\.weight: got "3"; expected a whole number from 1 to 1000$/,
      /^models\[1\]\.targets: got a list; expected at least one target$/,
    ]) {
      assert.ok(found.some((line) => expected.test(line)), `${expected} not in:\n${found.join('\n')}`);
    }
    assert.deepEqual(problems(PROVIDERS + 'models: [{ name: m, targets: [{ provider: a }, { provider: nope }] }]\n'), [
      'models[0].targets[1].provider: got "nope"; expected a key of providers (a, b, c)',
    ]);
    assert.deepEqual(problems(PROVIDERS + 'models: [{ name: m, targets: [{ provider: a, provider_model_id: x }, { provider: a, provider_model_id: x }] }]\n'), [
      'models[0].targets[1]: got "a" with "x" again; expected each provider and provider_model_id once',
    ]);
    const many = Array.from({ length: 33 }, () => '{ provider: a }').join(', ');
    assert.deepEqual(problems(PROVIDERS + `models: [{ name: m, targets: [${many}] }]\n`), ['models[0].targets: got a list; expected at most 32 targets']);
  });
});

describe('fallbacks config', () => {
  const MODELS = `models:
  - { name: smart, provider: a, aliases: [clever] }
  - { name: claude, provider: b }
  - { name: gemini, provider: c }
`;

  test('fallbacks name other models, by name or alias; two models may fall back on each other', () => {
    const config = parseConfigText(
      PROVIDERS +
        `models:
  - { name: smart, provider: a, fallbacks: [claude, flash] }
  - { name: claude, provider: b, fallbacks: [smart] }
  - { name: gemini, provider: c, aliases: [flash] }
`,
      {},
    );
    assert.deepEqual(config.models[0]!.fallbacks, ['claude', 'flash']);
    assert.deepEqual(config.models[1]!.fallbacks, ['smart']);
    assert.equal(config.models[2]!.fallbacks, undefined);
  });

  test('unknown models, the model itself (by name or alias) and repeats are refused', () => {
    const text = MODELS.replace('aliases: [clever] }', 'aliases: [clever], fallbacks: [claude, nope, smart, clever, claude] }');
    assert.deepEqual(problems(PROVIDERS + text), [
      'models[0].fallbacks[1]: got "nope"; expected the name of a configured model (smart, clever, claude, gemini)',
      'models[0].fallbacks[2]: got "smart"; expected another model than "smart" itself',
      'models[0].fallbacks[3]: got "clever"; expected another model than "smart" itself',
      'models[0].fallbacks[4]: got "claude"; expected each fallback model once ("claude" is already listed)',
    ]);
  });

  test('at most 8 fallbacks, each a non-empty name', () => {
    const found = problems(PROVIDERS + MODELS.replace('provider: b }', 'provider: b, fallbacks: [a, b, c, d, e, f, g, h, i] }').replace('provider: c }', 'provider: c, fallbacks: [""] }'));
    assert.ok(found.includes('models[1].fallbacks: got a list; expected at most 8 fallbacks'), found.join('\n'));
    assert.ok(found.includes('models[2].fallbacks[0]: got ""; expected a non-empty string'), found.join('\n'));
  });
});

describe('config.example.yaml documents the resilience keys with their defaults', () => {
  const text = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');
  const uncommented = parse(text.replace(/^( +)# ( *)(\w+:)(?= |$)/gm, '$1$2$3')) as { providers: Record<string, Record<string, unknown>> };
  const defaults = parseConfigText('providers:\n  a: { type: mock, retry: {}, circuit_breaker: {} }\nmodels: [{ name: m, provider: a }]\n', {}).providers.a!;

  test('every provider example shows retry and circuit_breaker, every key at its default', () => {
    const examples = Object.entries(uncommented.providers);
    assert.ok(examples.length >= 6);
    for (const [name, example] of examples) {
      const yaml = `providers:\n  a: { type: mock, retry: ${JSON.stringify(example.retry)}, circuit_breaker: ${JSON.stringify(example.circuit_breaker)} }\nmodels: [{ name: m, provider: a }]\n`;
      const shown = parseConfigText(yaml, {}).providers.a!;
      assert.deepEqual(Object.keys(example.retry as object).sort(), Object.keys(defaults.retry!).sort(), `${name}: retry keys`);
      assert.deepEqual(Object.keys(example.circuit_breaker as object).sort(), Object.keys(defaults.circuit_breaker!).sort(), `${name}: circuit_breaker keys`);
      assert.deepEqual(shown.retry, defaults.retry, `${name}: retry values`);
      assert.deepEqual(shown.circuit_breaker, defaults.circuit_breaker, `${name}: circuit_breaker values`);
    }
  });

  test('fallbacks, targets, weight and a target provider_model_id are shown', () => {
    assert.match(text, /^ {4}# fallbacks: \[\]/m);
    assert.match(text, /^ {2}# {3}targets:$/m);
    assert.match(text, /\{ provider: openai, provider_model_id: gpt-4o, weight: 3 \}/);
  });
});
