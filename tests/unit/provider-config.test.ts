import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfigText } from '../../src/config/parse-config.ts';

function problems(text: string): readonly string[] {
  try {
    parseConfigText(text, {}, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('config was accepted');
}

const HTTP_DEFAULTS = { timeout_ms: 600_000, stream_idle_timeout_ms: 300_000, stream_max_duration_ms: 1_800_000, headers: {}, max_response_bytes: 32 * 1024 * 1024, max_event_bytes: 16 * 1024 * 1024 };

describe('provider config', () => {
  test('each type with only its required keys gets the documented defaults', () => {
    const config = parseConfigText(
      `providers:
  openai: { type: openai, api_key: "\${OPENAI_API_KEY}" }
  azure: { type: azure_openai, api_key: k, endpoint: "https://res.openai.azure.com/" }
  anthropic: { type: anthropic, api_key: k }
  gemini: { type: gemini, api_key: k }
  ollama: { type: openai_compatible, base_url: "http://localhost:11434/v1" }
models: []
`,
      { OPENAI_API_KEY: 'sk-1' },
    );
    assert.deepEqual(config.providers, {
      openai: { type: 'openai', api_key: 'sk-1', base_url: 'https://api.openai.com/v1', api: 'responses', ...HTTP_DEFAULTS },
      azure: { type: 'azure_openai', api_key: 'k', endpoint: 'https://res.openai.azure.com', api_version: '2024-10-21', ...HTTP_DEFAULTS },
      anthropic: { type: 'anthropic', api_key: 'k', base_url: 'https://api.anthropic.com', anthropic_version: '2023-06-01', max_tokens: 4096, ...HTTP_DEFAULTS },
      gemini: { type: 'gemini', api_key: 'k', base_url: 'https://generativelanguage.googleapis.com', ...HTTP_DEFAULTS },
      ollama: { type: 'openai_compatible', base_url: 'http://localhost:11434/v1', ...HTTP_DEFAULTS },
    });
  });

  test('problems name the key: a missing key, a bad URL, an unknown api, an unknown key, a bad limit', () => {
    assert.deepEqual(
      problems(`providers:
  a: { type: openai }
  b: { type: openai_compatible, base_url: "localhost:11434" }
  c: { type: openai, api_key: k, api: completions }
  d: { type: anthropic, api_key: k, anthropic-version: "2023-06-01" }
  e: { type: gemini, api_key: k, timeout_ms: 0 }
  f: { type: azure_openai, api_key: k }
models: []
`),
      [
        'providers.a.api_key: is required',
        'providers.b.base_url: got "localhost:11434"; expected an http:// or https:// URL',
        'providers.c.api: got "completions"; expected one of: responses, chat_completions',
        'providers.d.anthropic-version: unknown key; remove it or check its spelling and section',
        'providers.e.timeout_ms: got 0; expected a whole number >= 1',
        'providers.f.endpoint: is required',
      ],
    );
  });
});
