import * as v from 'valibot';
import { parseAddress, parseByteSize, parseDuration } from './units.ts';

/**
 * The config schema. The `GatewayConfig` type is inferred from it, and every
 * default is declared here, next to the key it belongs to. Durations come out
 * as milliseconds and sizes as bytes, whatever unit the file used.
 */

const duration = (example: string) =>
  v.pipe(
    v.union([v.string(), v.number()], `expected a duration such as "${example}"`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const ms = parseDuration(dataset.value);
      if (ms === undefined) {
        addIssue({ message: `expected a duration such as "${example}" (units ms, s, m, h)` });
        return NEVER;
      }
      return ms;
    }),
  );

const byteSize = v.pipe(
  v.union([v.string(), v.number()], 'expected a size such as "10MiB"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const bytes = parseByteSize(dataset.value);
    if (bytes === undefined || bytes < 1) {
      addIssue({ message: 'expected a positive size such as "10MiB", "512KiB" or a number of bytes' });
      return NEVER;
    }
    return bytes;
  }),
);

const address = v.pipe(
  v.string('expected an address such as ":8080" or "127.0.0.1:8080"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseAddress(dataset.value);
    if (!parsed) {
      addIssue({ message: 'expected an address such as ":8080" or "127.0.0.1:8080"' });
      return NEVER;
    }
    return parsed;
  }),
);

const boolean = v.boolean('expected true or false');
const nonEmpty = v.pipe(v.string('expected a string'), v.nonEmpty('expected a non-empty string'));
const wholeNumber = (min: number, what = `a whole number >= ${min}`) =>
  v.pipe(v.number(`expected ${what}`), v.integer(`expected ${what}`), v.minValue(min, `expected ${what}`));
const oneOf = <const T extends readonly [string, ...string[]]>(options: T) =>
  v.picklist(options, `expected one of: ${options.join(', ')}`);
/** A config section: every key has a default, so the section itself may be left out. */
function section<T extends v.ObjectEntries>(entries: T) {
  const schema = v.strictObject(entries);
  return v.optional(schema, () => ({}) as v.InferInput<typeof schema>);
}

export const ServerSchema = section({
  /** Listen address; the PORT environment variable overrides its port. */
  address: v.optional(address, ':8080'),
  /** Larger request bodies are refused with 413 before they are read. */
  max_request_body_size: v.optional(byteSize, '10MiB'),
  /** How long in-flight requests and streams may run after SIGTERM/SIGINT. */
  shutdown_grace: v.optional(duration('30s'), '30s'),
});

export const LoggingSchema = section({
  format: v.optional(oneOf(['json', 'text']), 'json'),
  level: v.optional(oneOf(['debug', 'info', 'warn', 'error']), 'info'),
});

const metricsPath = v.pipe(
  nonEmpty,
  v.regex(/^\/[A-Za-z0-9._~\-/]*$/, 'expected an absolute URL path such as "/metrics"'),
  v.check((p) => p !== '/' && !p.startsWith('/v1/') && p !== '/health' && p !== '/ready', 'expected a path other than /, /health, /ready and /v1/…'),
);

export const ObservabilitySchema = section({
  /** Master switch: false turns off metrics and tracing whatever their own settings. */
  enabled: v.optional(boolean, true),
  metrics: section({
    enabled: v.optional(boolean, true),
    path: v.optional(metricsPath, '/metrics'),
    /** prom-client's process and runtime metrics (process_*, nodejs_*) beside the gateway's own. */
    default_metrics: v.optional(boolean, true),
  }),
  tracing: section({
    enabled: v.optional(boolean, false),
    service_name: v.optional(nonEmpty, 'llm-gateway'),
    sampler: section({
      type: v.optional(oneOf(['always', 'never', 'probability']), 'probability'),
      rate: v.optional(
        v.pipe(
          v.number('expected a number from 0 to 1'),
          v.minValue(0, 'expected a number from 0 to 1'),
          v.maxValue(1, 'expected a number from 0 to 1'),
        ),
        0.1,
      ),
    }),
    exporter: section({
      type: v.optional(oneOf(['otlp', 'stdout']), 'otlp'),
      /** host:port (the seed's form) or a URL; OTLP over HTTP/protobuf, conventionally port 4318. */
      endpoint: v.optional(nonEmpty, 'localhost:4318'),
      /** true: plain http; false: https. A URL's own scheme wins. */
      insecure: v.optional(boolean, false),
      headers: v.optional(v.record(v.string(), v.string('expected a string header value')), {}),
    }),
  }),
});

const MockProviderSchema = v.strictObject({
  type: v.literal('mock'),
  /** Delay before the first byte of a reply. */
  ttfb_ms: v.optional(wholeNumber(0), 0),
  /** Text deltas per streamed reply; unset: one per word of the reply. */
  chunks: v.optional(wholeNumber(1)),
  /** Delay between streamed chunks. */
  chunk_delay_ms: v.optional(wholeNumber(0), 0),
  /** Fail the stream with an upstream error after this many chunks (to exercise failure handling). */
  fail_after_chunks: v.optional(wholeNumber(0)),
});

const url = v.pipe(
  v.string('expected a URL'),
  v.check((value) => /^https?:\/\/[^/\s]+/.test(value), 'expected an http:// or https:// URL'),
  // A trailing slash would double up when paths are appended.
  v.transform((value) => value.replace(/\/+$/, '')),
);
const headerMap = v.record(v.string(), v.string('expected a string header value'));

/**
 * What every provider that calls an upstream over HTTP has. The defaults are
 * generous because a non-streamed answer arrives whole (its first byte is its
 * last) and reasoning models may think for minutes before their next event.
 */
const httpProviderEntries = {
  /** Until the upstream's response headers and first event; for a non-streamed call, until the whole answer. */
  timeout_ms: v.optional(wholeNumber(1), 600_000),
  /** The longest silence allowed between two events of a stream (keep-alive comments count). */
  stream_idle_timeout_ms: v.optional(wholeNumber(1), 300_000),
  /** Extra headers sent with every upstream request. */
  headers: v.optional(headerMap, {}),
};

/**
 * An API key. An empty value (usually `${VAR}` of an unset variable) disables
 * the provider: the gateway starts, warns, and answers its models with 503.
 */
const apiKey = v.string('expected an API key (a string)');

const OpenAIProviderSchema = v.strictObject({
  type: v.literal('openai'),
  /** Sent as `Authorization: Bearer …`. */
  api_key: apiKey,
  /** Requests go to `{base_url}/responses` or `{base_url}/chat/completions`. */
  base_url: v.optional(url, 'https://api.openai.com/v1'),
  /** The upstream endpoint: the Responses API or Chat Completions. */
  api: v.optional(oneOf(['responses', 'chat_completions']), 'responses'),
  ...httpProviderEntries,
});

const AzureOpenAIProviderSchema = v.strictObject({
  type: v.literal('azure_openai'),
  /** Sent as the `api-key` header. */
  api_key: apiKey,
  /** The resource endpoint, e.g. https://my-resource.openai.azure.com; models' provider_model_id is the deployment name. */
  endpoint: url,
  /** The `api-version` query parameter (2024-10-21 is the latest GA inference version). */
  api_version: v.optional(nonEmpty, '2024-10-21'),
  ...httpProviderEntries,
});

const AnthropicProviderSchema = v.strictObject({
  type: v.literal('anthropic'),
  /** Sent as the `x-api-key` header. */
  api_key: apiKey,
  /** Requests go to `{base_url}/v1/messages`. */
  base_url: v.optional(url, 'https://api.anthropic.com'),
  /** The `anthropic-version` header. */
  anthropic_version: v.optional(nonEmpty, '2023-06-01'),
  /** `max_tokens` when the client sets no max_output_tokens (Anthropic requires one). */
  max_tokens: v.optional(wholeNumber(1), 4096),
  ...httpProviderEntries,
});

const GeminiProviderSchema = v.strictObject({
  type: v.literal('gemini'),
  /** Sent as the `x-goog-api-key` header. */
  api_key: apiKey,
  /** Requests go to `{base_url}/v1beta/models/{model}:generateContent` (`:streamGenerateContent?alt=sse`). */
  base_url: v.optional(url, 'https://generativelanguage.googleapis.com'),
  ...httpProviderEntries,
});

const OpenAICompatibleProviderSchema = v.strictObject({
  type: v.literal('openai_compatible'),
  /** Chat Completions base URL, e.g. http://localhost:11434/v1 (Ollama) or http://localhost:8000/v1 (vLLM). */
  base_url: url,
  /** Sent as a Bearer token when set; local servers usually need none (empty means none). */
  api_key: v.optional(v.string('expected an API key (a string)')),
  ...httpProviderEntries,
});

const PROVIDER_TYPES = ['mock', 'openai', 'azure_openai', 'anthropic', 'gemini', 'openai_compatible'] as const;

export const ProviderSchema = v.variant(
  'type',
  [MockProviderSchema, OpenAIProviderSchema, AzureOpenAIProviderSchema, AnthropicProviderSchema, GeminiProviderSchema, OpenAICompatibleProviderSchema],
  `expected a provider type: ${PROVIDER_TYPES.join(', ')}`,
);

const providerName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.-]+$/, 'expected a provider name of letters, digits, "_", "-" or "."'),
);

export const ModelSchema = v.strictObject({
  /** The name clients send as `model`. */
  name: nonEmpty,
  /** A key of `providers`. */
  provider: nonEmpty,
  /** The model id sent upstream; defaults to `name`. */
  provider_model_id: v.optional(nonEmpty),
  /** Other names clients may use for this model. */
  aliases: v.optional(v.array(nonEmpty, 'expected a list of names'), []),
  /** US dollars per million tokens, for `provider_cost_usd_total`. */
  pricing: v.optional(
    v.strictObject({
      input_per_million: v.pipe(v.number('expected a price in USD'), v.minValue(0, 'expected a price >= 0')),
      output_per_million: v.pipe(v.number('expected a price in USD'), v.minValue(0, 'expected a price >= 0')),
    }),
  ),
});

/** Every backend: stored responses older than this are gone (a conversation's turns expire together, this long after its newest). */
const storeTtl = v.optional(duration('1h'), '1h');

const storeUrl = (schemes: readonly string[], example: string) =>
  v.pipe(
    v.string(`expected a URL such as "${example}"`),
    v.check((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), `expected a ${schemes.join('://, ')}:// URL such as "${example}"`),
  );

const MemoryStoreSchema = v.strictObject({
  store: v.literal('memory'),
  ttl: storeTtl,
  /** At most this many stored responses; the least recently continued conversation is evicted first. */
  max_entries: v.optional(wholeNumber(1), 10_000),
  /** At most this many bytes of stored responses (their serialized size); the least recently continued conversation is evicted first. */
  max_bytes: v.optional(byteSize, '256MiB'),
});

const RedisStoreSchema = v.strictObject({
  store: v.literal('redis'),
  /** redis://[user:password@]host:port/db, or rediss:// for TLS. */
  url: storeUrl(['redis', 'rediss'], 'redis://127.0.0.1:6379/0'),
  ttl: storeTtl,
  /** Prepended to every key, so several gateways (or other applications) can share one database. */
  key_prefix: v.optional(v.string('expected a string'), 'llmgw:'),
});

const PostgresStoreSchema = v.strictObject({
  store: v.literal('postgres'),
  /** postgres://user:password@host:port/db; query parameters such as ?sslmode=require or ?search_path=gateway pass through. */
  url: storeUrl(['postgres', 'postgresql'], 'postgres://user:password@127.0.0.1:5432/db'),
  ttl: storeTtl,
});

export const ConversationsSchema = v.optional(
  v.pipe(
    v.unknown(),
    // `store` may be left out: memory is the default backend.
    v.transform((input) =>
      input && typeof input === 'object' && !Array.isArray(input) && !('store' in input) ? { ...input, store: 'memory' } : input,
    ),
    v.variant('store', [MemoryStoreSchema, RedisStoreSchema, PostgresStoreSchema], 'expected a conversation store: memory, redis, postgres'),
  ),
  { store: 'memory' },
);

export const ConfigSchema = v.strictObject({
  server: ServerSchema,
  logging: LoggingSchema,
  observability: ObservabilitySchema,
  providers: v.optional(v.record(providerName, ProviderSchema, 'expected a map of provider name to settings'), {}),
  models: v.optional(v.array(ModelSchema, 'expected a list of models'), []),
  conversations: ConversationsSchema,
});

export type GatewayConfig = v.InferOutput<typeof ConfigSchema>;
export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type ProviderConfig = v.InferOutput<typeof ProviderSchema>;
export type ModelConfig = v.InferOutput<typeof ModelSchema>;
export type ConversationsConfig = GatewayConfig['conversations'];
export type ObservabilityConfig = GatewayConfig['observability'];
