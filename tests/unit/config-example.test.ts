import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, parseConfigText } from '../../src/config/parse-config.ts';
import { ConversationsSchema, ProviderSchema } from '../../src/config/schema.ts';

const text = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((item, i) => keyPaths(item, `${prefix}.${i}`));
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, item]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    // Header maps are documented by example; an address is one value in the file.
    return ['headers', 'address'].includes(key) ? [path] : keyPaths(item, path);
  });
}

test('config.example.yaml is valid and states exactly the defaults', () => {
  assert.deepEqual(parseConfigText(text, {}), parseConfig({}));
});

test('config.example.yaml mentions every key the schema knows (commented-out optional ones included)', () => {
  const uncommented = text.replace(/^( +)# ( *)(\w+:)(?= |$)/gm, '$1$2$3');
  const documented = new Set(keyPaths(parse(uncommented)));
  const defaults = keyPaths(JSON.parse(JSON.stringify(parseConfig({}))));
  const missing = defaults.filter((path) => !documented.has(path));
  assert.deepEqual(missing, []);
  for (const optional of ['providers.mock.chunks', 'providers.mock.fail_after_chunks', 'models.0.provider_model_id', 'models.0.pricing.input_per_million', 'models.0.pricing.output_per_million']) {
    assert.ok(documented.has(optional), `${optional} is not documented`);
  }
});

test('config.example.yaml shows every key of every provider type', () => {
  const uncommented = text.replace(/^( +)# ( *)(\w+:)(?= |$)/gm, '$1$2$3');
  const providers = Object.values(parse(uncommented).providers as Record<string, Record<string, unknown>>);
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
