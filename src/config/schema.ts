import * as v from 'valibot';
import { parseCidr } from '../net/ip-address.ts';
import { sha256Hex } from './sha256.ts';
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

const MemoryStoreSchema = v.strictObject({
  store: v.literal('memory'),
  /** Stored responses older than this are gone. */
  ttl: v.optional(duration('1h'), '1h'),
  /** At most this many stored responses; the oldest is evicted first. */
  max_entries: v.optional(wholeNumber(1), 10_000),
});

export const ConversationsSchema = v.optional(
  v.pipe(
    v.unknown(),
    // `store` may be left out: memory is the default backend.
    v.transform((input) =>
      input && typeof input === 'object' && !Array.isArray(input) && !('store' in input) ? { ...input, store: 'memory' } : input,
    ),
    v.variant('store', [MemoryStoreSchema], 'expected a conversation store: memory'),
  ),
  { store: 'memory' },
);

/** A URL an identity provider may answer on: https, or http on a loopback host (local test issuers). */
export function isIdentityProviderUrl(value: string): boolean {
  return /^https:\/\/[^/\s]+/.test(value) || /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/.test(value);
}

const identityProviderUrl = v.pipe(
  v.string('expected a URL'),
  v.check(isIdentityProviderUrl, 'expected an https:// URL (http:// only for localhost)'),
);

const positiveNumber = (what: string) => v.pipe(v.number(`expected ${what}`), v.check((n) => Number.isFinite(n) && n > 0, `expected ${what}`));

/** Limits a key may set for itself; what it leaves out comes from `rate_limit`. */
const KeyRateLimitSchema = v.strictObject({
  requests_per_second: v.optional(positiveNumber('a number of requests per second > 0')),
  burst: v.optional(wholeNumber(1)),
  /** 0: no token limit for this key. */
  tokens_per_minute: v.optional(wholeNumber(0)),
});

/** The algorithms a token may be signed with: asymmetric only, so a public key can never act as an HMAC secret. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

const keyName = v.pipe(
  v.string('expected a key name'),
  v.regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'expected a key name of 1 to 64 letters, digits, "_", "-", "." or "@"'),
);

/**
 * One API key. Either `key_sha256` (the hash, so the config holds no secret)
 * or `key` (usually `${TEAM_A_KEY}`), which is hashed while the config is
 * parsed and not kept: the parsed config has only `key_sha256`.
 */
const ApiKeySchema = v.pipe(
  v.strictObject({
    /** The identity: what logs, metrics and limits name. Never the key itself. */
    name: keyName,
    /** SHA-256 of the key, 64 hex digits. */
    key_sha256: v.optional(
      v.pipe(v.string('expected 64 hex digits'), v.regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (the SHA-256 of the key)'), v.toLowerCase()),
    ),
    /** The key in clear (from the environment); hashed at load. */
    key: v.optional(v.pipe(v.string('expected a key (a string)'), v.minLength(16, 'expected a key of at least 16 characters'))),
    /** Models (names or aliases) this key may use; others are refused with 403. Unset: all. */
    models: v.optional(v.array(nonEmpty, 'expected a list of model names')),
    /** Overrides of the `rate_limit` defaults for this key. */
    rate_limit: v.optional(KeyRateLimitSchema),
    /** Spending cap in USD per UTC day, from `models[].pricing`. */
    budget: v.optional(v.strictObject({ usd_per_day: positiveNumber('an amount in USD > 0') })),
  }),
  v.check((entry) => (entry.key === undefined) !== (entry.key_sha256 === undefined), 'expected exactly one of key_sha256 and key'),
  v.transform(({ key, key_sha256, ...rest }) => ({ ...rest, key_sha256: key_sha256 ?? sha256Hex(key!) })),
);

const OidcSchema = v.strictObject({
  /** The issuer; tokens' `iss` must equal it exactly, and discovery is at `{issuer}/.well-known/openid-configuration`. */
  issuer: identityProviderUrl,
  /** Tokens' `aud` must contain one of these. */
  audience: v.pipe(
    v.union([nonEmpty, v.pipe(v.array(nonEmpty), v.minLength(1, 'expected at least one audience'))], 'expected an audience or a list of them'),
    v.transform((value) => (typeof value === 'string' ? [value] : value)),
  ),
  /** Where the signing keys are; unset: the `jwks_uri` of the issuer's discovery document. */
  jwks_url: v.optional(identityProviderUrl),
  /** The claim that names the caller. */
  identity_claim: v.optional(nonEmpty, 'sub'),
  /** Accepted signature algorithms. */
  algorithms: v.optional(
    v.pipe(v.array(oneOf(OIDC_ALGORITHMS), 'expected a list of algorithms'), v.minLength(1, 'expected at least one algorithm')),
    ['RS256', 'ES256', 'EdDSA'],
  ),
  /** Tolerance for `exp` and `nbf` between the issuer's clock and ours. */
  clock_skew: v.optional(duration('30s'), '30s'),
});

export const AuthSchema = section({
  /** false: every caller is anonymous and nothing of this section is built. */
  enabled: v.optional(boolean, false),
  api_keys: v.optional(v.array(ApiKeySchema, 'expected a list of API keys'), []),
  oidc: v.optional(OidcSchema),
});

const trustedProxies = v.array(
  v.pipe(v.string('expected a CIDR such as "10.0.0.0/8"'), v.check((value) => parseCidr(value) !== undefined, 'expected a CIDR such as "10.0.0.0/8" or "fd00::/8", or one address')),
  'expected a list of CIDRs',
);

const rateLimitEntries = {
  /** false: no limits and nothing of this section is built. */
  enabled: v.optional(boolean, false),
  /** Requests per second per identity (per client address when anonymous): the bucket's refill rate. */
  requests_per_second: v.optional(positiveNumber('a number of requests per second > 0'), 10),
  /** The bucket's size: how many requests may come at once. */
  burst: v.optional(wholeNumber(1), 20),
  /** Tokens (input + output) per identity per minute; 0: no token limit. */
  tokens_per_minute: v.optional(wholeNumber(0), 0),
  /**
   * Proxies (CIDRs, or single addresses) whose `X-Forwarded-For` is believed
   * when a caller is limited by its address; from anyone else it is ignored.
   */
  trusted_proxies: v.optional(trustedProxies, []),
};

const MemoryRateLimitSchema = v.strictObject({
  ...rateLimitEntries,
  backend: v.literal('memory'),
  /** At most this many identities are tracked; beyond it the longest idle is forgotten. */
  max_identities: v.optional(wholeNumber(1), 100_000),
});

const RedisRateLimitSchema = v.strictObject({
  ...rateLimitEntries,
  backend: v.literal('redis'),
  /** redis://[user:password@]host:port/db, or rediss:// for TLS. */
  url: v.pipe(v.string('expected a redis:// URL'), v.regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// or rediss:// URL')),
  /** When Redis cannot be reached: `open` lets requests through, `closed` refuses them with 503. */
  failure_mode: v.optional(oneOf(['open', 'closed']), 'open'),
  /** Prefix of every key the limiter writes; instances that share limits share it. */
  key_prefix: v.optional(nonEmpty, 'llm-gateway:rl:'),
  /** The longest a limit check or charge waits for Redis before the failure mode applies. */
  command_timeout: v.optional(duration('250ms'), '250ms'),
});

export const RateLimitSchema = v.optional(
  v.pipe(
    v.unknown(),
    // `backend` may be left out: memory is the default.
    v.transform((input) =>
      input && typeof input === 'object' && !Array.isArray(input) && !('backend' in input) ? { ...input, backend: 'memory' } : input,
    ),
    v.variant(
      'backend',
      [MemoryRateLimitSchema, RedisRateLimitSchema],
      'expected a rate limit backend: memory, redis',
    ),
  ),
  { backend: 'memory' },
);

export const ConfigSchema = v.strictObject({
  server: ServerSchema,
  logging: LoggingSchema,
  observability: ObservabilitySchema,
  providers: v.optional(v.record(providerName, ProviderSchema, 'expected a map of provider name to settings'), {}),
  models: v.optional(v.array(ModelSchema, 'expected a list of models'), []),
  conversations: ConversationsSchema,
  auth: AuthSchema,
  rate_limit: RateLimitSchema,
});

export type GatewayConfig = v.InferOutput<typeof ConfigSchema>;
export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type ProviderConfig = v.InferOutput<typeof ProviderSchema>;
export type ModelConfig = v.InferOutput<typeof ModelSchema>;
export type ConversationsConfig = GatewayConfig['conversations'];
export type ObservabilityConfig = GatewayConfig['observability'];
export type AuthConfig = GatewayConfig['auth'];
export type ApiKeyConfig = AuthConfig['api_keys'][number];
export type OidcConfig = NonNullable<AuthConfig['oidc']>;
export type RateLimitConfig = GatewayConfig['rate_limit'];
