import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, parseConfigText } from '../../src/config/parse-config.ts';
import { ConversationsSchema, ProviderSchema } from '../../src/config/schema.ts';

const text = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

function keyPaths(value: unknown, prefix = ''): string[] {
  // A list of scalars (origins, methods) is one value; a list of objects (models, keys) is documented itself and by its items' keys.
  if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') return [prefix, ...value.flatMap((item, i) => keyPaths(item, `${prefix}.${i}`))];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, item]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    // Header maps are documented by example; an address is one value in the file.
    return ['headers', 'address'].includes(key) ? [path] : keyPaths(item, path);
  });
}

/** The example with its commented-out keys (`# key:`, `# - key:`) turned into YAML. */
function uncomment(yaml: string): string {
  return yaml.replace(/^( +)# ( *)((?:- )?\w+:)(?= |$)/gm, '$1$2$3');
}

test('config.example.yaml is valid and states exactly the defaults', () => {
  assert.deepEqual(parseConfigText(text, {}), parseConfig({}));
});

test('config.example.yaml mentions every key the schema knows (commented-out optional ones included)', () => {
  const documented = new Set(keyPaths(parse(uncomment(text))));
  const defaults = keyPaths(JSON.parse(JSON.stringify(parseConfig({}))));
  const missing = defaults.filter((path) => !documented.has(path));
  assert.deepEqual(missing, []);
  for (const optional of ['server.cors.allowed_origins', 'server.cors.allowed_methods', 'server.cors.allowed_headers', 'server.cors.max_age', 'providers.mock.chunks', 'providers.mock.fail_after_chunks', 'models.0.provider_model_id', 'models.0.pricing.input_per_million', 'models.0.pricing.output_per_million']) {
    assert.ok(documented.has(optional), `${optional} is not documented`);
  }
  const auth = ['name', 'key_sha256', 'key', 'models', 'rate_limit.requests_per_second', 'rate_limit.burst', 'rate_limit.tokens_per_minute', 'budget.usd_per_day'].map((k) => `auth.api_keys.0.${k}`);
  const oidc = ['issuer', 'audience', 'jwks_url', 'identity_claim', 'algorithms', 'clock_skew'].map((k) => `auth.oidc.${k}`);
  const redis = ['url', 'failure_mode', 'key_prefix', 'command_timeout'].map((k) => `rate_limit.${k}`);
  for (const optional of [...auth, ...oidc, ...redis]) assert.ok(documented.has(optional), `${optional} is not documented`);
});

test('config.example.yaml shows every key of every provider type', () => {
  const providers = Object.values(parse(uncomment(text)).providers as Record<string, Record<string, unknown>>);
  for (const option of ProviderSchema.options) {
    const type = option.entries.type.literal;
    const examples = providers.filter((p) => p.type === type);
    assert.ok(examples.length > 0, `no example of provider type ${type}`);
    const documented = new Set(examples.flatMap((p) => Object.keys(p)));
    assert.deepEqual(Object.keys(option.entries).filter((key) => !documented.has(key)), [], `keys of ${type} missing`);
  }
});

test('config.example.yaml shows every key of every conversation store, each example valid', () => {
  // The alternatives are commented out from the first column: one block per backend.
  const blocks = text.split(/^# conversations:$/m).slice(1).map((block) => `conversations:\n${block.split(/\n(?!#  )/)[0]!.replace(/^# /gm, '')}`);
  const shown = new Map<string, Set<string>>([['memory', new Set(Object.keys(parse(text).conversations))]]);
  for (const block of blocks) {
    const conversations = parse(block).conversations as Record<string, unknown>;
    assert.equal(parseConfigText(block, {}).conversations.store, conversations.store);
    shown.set(String(conversations.store), new Set(Object.keys(conversations)));
  }
  const variants = (ConversationsSchema.wrapped.pipe[2] as { options: Array<{ entries: Record<string, { literal?: string }> }> }).options;
  for (const option of variants) {
    const store = option.entries.store!.literal!;
    assert.ok(shown.has(store), `no example of store ${store}`);
    assert.deepEqual(Object.keys(option.entries).filter((key) => !shown.get(store)!.has(key)), [], `keys of ${store} missing`);
  }
});
