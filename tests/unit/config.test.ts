import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { expandEnv } from '../../src/config/expand-env.ts';
import { parseConfig, parseConfigText } from '../../src/config/parse-config.ts';
import { parseAddress, parseByteSize, parseDuration } from '../../src/config/units.ts';

function problems(text: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfigText(text, env, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('config was accepted');
}

describe('config defaults', () => {
  test('no config file serves the mock model with metrics on and tracing off', () => {
    const config = parseConfig(undefined);
    assert.deepEqual(config.providers, { mock: { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 } });
    assert.deepEqual(config.models, [{ name: 'mock', provider: 'mock', aliases: [] }]);
    assert.deepEqual(config.conversations, { store: 'memory', ttl: 3_600_000, max_entries: 10_000, max_bytes: 256 * 1024 * 1024 });
    assert.equal(config.observability.enabled, true);
    assert.deepEqual(config.observability.metrics, { enabled: true, path: '/metrics', default_metrics: true });
    assert.equal(config.observability.tracing.enabled, false);
    assert.deepEqual(config.server, {
      address: { hostname: '0.0.0.0', port: 8080 },
      max_request_body_size: 10 * 1024 * 1024,
      shutdown_grace: 30_000,
      sse_keepalive: 15_000,
      idle_timeout: 255_000,
      limits: { max_input_items: 2048, max_string_length: 10_485_760, max_json_depth: 64, max_tools: 128 },
    });
  });

  test("the seed's observability block parses unchanged", () => {
    const config = parseConfigText(
      `observability:
  enabled: true
  metrics:
    enabled: true
    path: "/metrics"
  tracing:
    enabled: true
    service_name: "llm-gateway"
    sampler:
      type: "probability"
      rate: 0.1
    exporter:
      type: "otlp"
      endpoint: "localhost:4317"
      insecure: true
      headers:
        authorization: "Bearer your-token"
`,
      {},
    );
    assert.deepEqual(config.observability.tracing, {
      enabled: true,
      service_name: 'llm-gateway',
      sampler: { type: 'probability', rate: 0.1 },
      exporter: { type: 'otlp', endpoint: 'localhost:4317', insecure: true, headers: { authorization: 'Bearer your-token' } },
    });
  });

  test('a file with providers but no models has no models (and is not ready)', () => {
    const config = parseConfigText('providers:\n  m:\n    type: mock\n', {});
    assert.deepEqual(config.models, []);
  });

  test('conversations without `store` default to memory', () => {
    const config = parseConfigText('conversations:\n  ttl: 2h\n  max_entries: 5\n', {});
    assert.deepEqual(config.conversations, { store: 'memory', ttl: 7_200_000, max_entries: 5, max_bytes: 256 * 1024 * 1024 });
  });
});

describe('config errors name the key path, the value and what is expected', () => {
  test('sampler rate out of range and an unknown key', () => {
    assert.deepEqual(problems('observability:\n  tracing:\n    sampler:\n      rate: 1.5\n  colour: blue\n'), [
      'observability.tracing.sampler.rate: got 1.5; expected a number from 0 to 1',
      'observability.colour: unknown key; remove it or check its spelling and section',
    ]);
  });

  test('wrong types, bad units and enums', () => {
    assert.deepEqual(
      problems(
        'server:\n  address: nowhere\n  shutdown_grace: 5 minutes\n  max_request_body_size: 0\nlogging:\n  level: loud\nobservability:\n  enabled: "yes"\n',
      ),
      [
        'server.address: got "nowhere"; expected an address such as ":8080" or "127.0.0.1:8080"',
        'server.max_request_body_size: got 0; expected a positive size such as "10MiB", "512KiB" or a number of bytes',
        'server.shutdown_grace: got "5 minutes"; expected a duration such as "30s" (units ms, s, m, h)',
        'logging.level: got "loud"; expected one of: debug, info, warn, error',
        'observability.enabled: got "yes"; expected true or false',
      ],
    );
  });

  test('unknown provider type, missing model name, unknown store', () => {
    assert.deepEqual(
      problems('providers:\n  x:\n    type: openia\nmodels:\n  - provider: x\nconversations:\n  store: mongo\n'),
      [
        'providers.x.type: got "openia"; expected a provider type: mock, openai, azure_openai, anthropic, gemini, openai_compatible',
        'models[0].name: is required',
        'conversations.store: got "mongo"; expected a conversation store: memory, redis, postgres',
      ],
    );
  });

  test('models must name a configured provider and be unique', () => {
    assert.deepEqual(
      problems('providers:\n  a:\n    type: mock\nmodels:\n  - name: m\n    provider: b\n  - name: n\n    provider: a\n    aliases: [m]\n'),
      [
        'models[0].provider: got "b"; expected a key of providers (a)',
        'models[1].aliases[0]: got "m"; expected a unique model name (also used at models[0].name)',
      ],
    );
  });

  test('the metrics path must not shadow the API', () => {
    assert.deepEqual(problems('observability:\n  metrics:\n    path: /v1/responses\n'), [
      'observability.metrics.path: got "/v1/responses"; expected a path other than /, /health, /ready and /v1/…',
    ]);
  });

  test('YAML syntax errors and a non-mapping document', () => {
    assert.match(problems('server: [\n')[0]!, /^YAML: /);
    assert.deepEqual(problems('- just\n- a list\n'), ['(top level): got a list; expected a mapping of sections']);
  });

  test('duplicate keys are an error, not a silent override', () => {
    assert.match(problems('server:\n  address: ":1"\n  address: ":2"\n')[0]!, /YAML: .*unique/i);
  });
});

describe('environment expansion', () => {
  test('${VAR}, ${VAR:-default} and $$ in string values', () => {
    const env = { HOST: 'example.org', EMPTY: '' };
    assert.deepEqual(
      expandEnv({ a: 'https://${HOST}/x', b: '${MISSING:-fallback}', c: '${EMPTY:-used}', d: 'cost $$5', e: '${MISSING}', list: ['${HOST}'] }, env),
      { a: 'https://example.org/x', b: 'fallback', c: 'used', d: 'cost $5', e: '', list: ['example.org'] },
    );
  });

  test('a value that is only a reference takes the type of what it expands to', () => {
    const config = parseConfigText(
      'server:\n  address: ":${PORT:-9000}"\nobservability:\n  tracing:\n    enabled: ${TRACING}\n    sampler:\n      rate: ${RATE:-0.25}\n',
      { TRACING: 'true' },
    );
    assert.equal(config.server.address.port, 9000);
    assert.equal(config.observability.tracing.enabled, true);
    assert.equal(config.observability.tracing.sampler.rate, 0.25);
  });

  test('expanded values are validated like literal ones', () => {
    assert.deepEqual(problems('observability:\n  tracing:\n    sampler:\n      rate: ${RATE}\n', { RATE: '7' }), [
      'observability.tracing.sampler.rate: got 7; expected a number from 0 to 1',
    ]);
  });

  test('keys are never expanded, and a value cannot inject YAML', () => {
    const config = parseConfigText('providers:\n  mock:\n    type: mock\nmodels:\n  - name: "${NAME}"\n    provider: mock\n', {
      NAME: 'x\nprovider: evil',
    });
    assert.equal(config.models[0]!.name, 'x\nprovider: evil');
  });
});

describe('units', () => {
  test('durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration(2), 2_000);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['', '5', '5x', 's', '1h 30m', '-1s']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(parseDuration(-1), undefined);
  });

  test('sizes', () => {
    assert.equal(parseByteSize('10MiB'), 10 * 1024 * 1024);
    assert.equal(parseByteSize('1MB'), 1_000_000);
    assert.equal(parseByteSize('512KiB'), 524_288);
    assert.equal(parseByteSize('64k'), 65_536);
    assert.equal(parseByteSize(4096), 4096);
    for (const bad of ['ten', '10 parsecs', '-1']) assert.equal(parseByteSize(bad), undefined, bad);
    assert.equal(parseByteSize(1.5), undefined);
  });

  test('addresses', () => {
    assert.deepEqual(parseAddress(':8080'), { hostname: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseAddress('127.0.0.1:0'), { hostname: '127.0.0.1', port: 0 });
    assert.deepEqual(parseAddress('[::1]:9'), { hostname: '::1', port: 9 });
    assert.deepEqual(parseAddress('localhost:80'), { hostname: 'localhost', port: 80 });
    for (const bad of ['8080', ':99999', 'host:', 'a b:1']) assert.equal(parseAddress(bad), undefined, bad);
  });
});
