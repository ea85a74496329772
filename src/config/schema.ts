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

const corsOrigin = v.pipe(
  v.string('expected an origin such as "https://app.example.com" or "*"'),
  v.regex(/^(\*|https?:\/\/[^/\s?#]+)$/, 'expected an origin such as "https://app.example.com" (scheme and host, no path) or "*"'),
  // Browsers send the origin in lower case.
  v.transform((origin) => origin.toLowerCase()),
);
const httpMethod = v.pipe(
  v.string('expected an HTTP method'),
  v.regex(/^[A-Za-z]+$/, 'expected an HTTP method such as GET or POST'),
  v.transform((method) => method.toUpperCase()),
);
const headerName = v.pipe(
  v.string('expected a header name'),
  v.regex(/^(\*|[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'expected a header name such as "authorization", or "*"'),
  v.transform((name) => name.toLowerCase()),
);

/**
 * Bun's server checks idle connections on a 4-second tick, so a connection may
 * be closed up to one tick before its idle timeout is due; at or below one
 * tick, Bun closes even busy connections at the first tick.
 */
export const RUNTIME_IDLE_TICK_MS = 4_000;
/** Bun's largest idle timeout. */
const MAX_IDLE_TIMEOUT_MS = 255_000;
const MIN_IDLE_TIMEOUT_MS = 2 * RUNTIME_IDLE_TICK_MS;

const idleTimeout = v.pipe(
  v.union([v.string(), v.number()], 'expected a duration such as "255s"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDuration(dataset.value);
    if (ms === undefined || (ms !== 0 && (ms < MIN_IDLE_TIMEOUT_MS || ms > MAX_IDLE_TIMEOUT_MS || ms % 1_000 !== 0))) {
      addIssue({ message: 'expected 0 (never) or whole seconds from 8s to 255s (the range Bun honours)' });
      return NEVER;
    }
    return ms;
  }),
);

const positiveDurationOf = (example: string) =>
  v.pipe(duration(example), v.check((ms) => ms > 0, `expected a duration above zero such as "${example}"`));

const serverEntries = {
  /** Listen address; the PORT environment variable overrides its port. */
  address: v.optional(address, ':8080'),
  /** Larger request bodies are refused with 413 before they are read. */
  max_request_body_size: v.optional(byteSize, '10MiB'),
  /** How long in-flight requests and streams may run after SIGTERM/SIGINT. */
  shutdown_grace: v.optional(duration('30s'), '30s'),
  /**
   * A comment (`: keep-alive`) is written to a Responses or Chat Completions
   * stream at each tick of this period in which nothing else was written, so
   * proxies and the server's own idle timeout never cut a live stream. 0 disables.
   */
  sse_keepalive: v.optional(duration('15s'), '15s'),
  /**
   * The runtime server closes a connection on which nothing was sent or
   * received for this long (Bun's `idleTimeout`, Node's socket timeout;
   * `Deno.serve` has no such setting and never closes idle connections). 0: never.
   */
  idle_timeout: v.optional(idleTimeout, '255s'),
  /** Bounds on what one request body may hold; a body beyond one is a 400 naming the field. */
  limits: section({
    /** Items of `input` (Responses) or `messages` (Chat Completions). */
    max_input_items: v.optional(wholeNumber(1), 2048),
    /** Characters of any one string (or object key) in the body; OpenAI's own limit. */
    max_string_length: v.optional(wholeNumber(1), 10_485_760),
    /** Nesting of objects and arrays in the body, the body itself being level 1. */
    max_json_depth: v.optional(
      // Deeper values overflow the stack of JSON.stringify and of validation on some runtimes.
      v.pipe(wholeNumber(1, 'a whole number from 1 to 256'), v.maxValue(256, 'expected a whole number from 1 to 256')),
      64,
    ),
    /** Entries of `tools`. */
    max_tools: v.optional(wholeNumber(1), 128),
  }),
  /** WebSocket mode of the Responses API (`GET /v1/responses` with an upgrade). */
  websocket: section({
    /** false: `GET /v1/responses` is refused with 426 and never upgraded. */
    enabled: v.optional(boolean, true),
    /** Open WebSocket connections at once; more are refused with 503 before the upgrade. */
    max_connections: v.optional(wholeNumber(1), 1000),
    /** A connection's longest life; then `websocket_connection_limit_reached` and a close (OpenAI's 60 minutes). */
    max_connection_duration: v.optional(positiveDurationOf('60m'), '60m'),
    /** A connection with no message from the client and no turn running for this long is closed. */
    idle_timeout: v.optional(positiveDurationOf('5m'), '5m'),
    /** `response.create` messages waiting behind the running turn; more get an `error` envelope. */
    max_queued_messages: v.optional(wholeNumber(1), 16),
    /** Responses a connection keeps for `previous_response_id` (also with `store: false`); the oldest goes first. */
    max_cached_responses: v.optional(wholeNumber(1), 16),
  }),
  /**
   * Cross-origin access from browsers. Absent: no CORS headers, and preflight
   * requests are refused, so no web page can call the gateway.
   */
  cors: v.optional(
    v.strictObject({
      /** Origins allowed to call /v1 (`https://app.example.com`), or `*` for any. */
      allowed_origins: v.pipe(v.array(corsOrigin, 'expected a list of origins'), v.minLength(1, 'expected at least one origin')),
      /** Methods a preflight may ask for. */
      allowed_methods: v.optional(v.array(httpMethod, 'expected a list of HTTP methods'), ['GET', 'POST', 'DELETE']),
      /** Request headers a preflight may ask for; `*` allows whichever it asks for. */
      allowed_headers: v.optional(v.array(headerName, 'expected a list of header names'), ['*']),
      /** How long a browser may cache a preflight's answer (`Access-Control-Max-Age`). */
      max_age: v.optional(duration('10m'), '10m'),
    }),
  ),
};

export const ServerSchema = section(serverEntries);

export const LoggingSchema = section({
  format: v.optional(oneOf(['json', 'text']), 'json'),
  level: v.optional(oneOf(['debug', 'info', 'warn', 'error']), 'info'),
  /**
   * The share of access-log lines (`request completed`) of successful requests
   * that are written, 0 to 1. Errors, 4xx and 5xx answers and failed or
   * cancelled streams are always written.
   */
  sample_rate: v.optional(
    v.pipe(
      v.number('expected a number from 0 to 1 (the share of successful requests whose access-log line is written)'),
      v.minValue(0, 'expected a number from 0 to 1 (the share of successful requests whose access-log line is written)'),
      v.maxValue(1, 'expected a number from 0 to 1 (the share of successful requests whose access-log line is written)'),
    ),
    1,
  ),
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
      /** host:port or a URL; OTLP over HTTP/protobuf, conventionally port 4318. */
      endpoint: v.optional(nonEmpty, 'localhost:4318'),
      /** true: plain http; false: https. A URL's own scheme wins. */
      insecure: v.optional(boolean, false),
      headers: v.optional(v.record(v.string(), v.string('expected a string header value')), {}),
    }),
  }),
});

const positiveDuration = (example: string) =>
  v.pipe(duration(example), v.check((ms) => ms > 0, `expected a duration above zero such as "${example}"`));

/**
 * Retries of one provider's failed calls, before the first byte of an answer
 * reached the client (see docs/resilience.md); absent: none. Off unless asked
 * for, because the OpenAI SDKs clients use already retry 408/409/429/5xx twice,
 * and retrying in the gateway as well multiplies the load on an upstream that
 * is already failing (3 × 3 calls). Once asked for (`retry: {}`), the defaults
 * retry: 3 attempts.
 */
const RetrySchema = v.optional(
  v.pipe(
    v.strictObject({
      /** Calls per target, the first included (1 to 10; 1: no retry). */
      max_attempts: v.optional(v.pipe(wholeNumber(1, 'a whole number from 1 to 10'), v.maxValue(10, 'expected a whole number from 1 to 10')), 3),
      /** The cap of the first retry's random wait; each later retry doubles it (full jitter). */
      initial_backoff: v.optional(positiveDuration('500ms'), '500ms'),
      /** No wait is longer, whether computed or asked for by `Retry-After`; a longer `Retry-After` ends this target's retries. */
      max_backoff: v.optional(positiveDuration('8s'), '8s'),
    }),
    v.forward(
      v.check((retry) => retry.max_backoff >= retry.initial_backoff, 'expected max_backoff to be at least initial_backoff'),
      ['max_backoff'],
    ),
  ),
);

/**
 * A circuit breaker for one provider; absent: none. Closed, it opens when at
 * least `min_requests` calls within `window` failed at a ratio of
 * `failure_ratio` or more; open, it refuses calls for `open_for`; then it lets
 * `half_open_requests` probes through and closes when they all succeed.
 */
const CircuitBreakerSchema = v.strictObject({
  /** The share of failed calls (0 < ratio <= 1) within `window` that opens the breaker. */
  failure_ratio: v.optional(
    v.pipe(
      v.number('expected a number above 0 and at most 1'),
      v.check((n) => n > 0 && n <= 1, 'expected a number above 0 and at most 1'),
    ),
    0.5,
  ),
  /** Fewer calls than this within `window` never open the breaker, whatever their outcome. */
  min_requests: v.optional(wholeNumber(1), 10),
  /** The rolling window the ratio is computed over (kept in ten buckets). */
  window: v.optional(positiveDuration('30s'), '30s'),
  /** How long an open breaker refuses calls before it lets probes through. */
  open_for: v.optional(positiveDuration('60s'), '60s'),
  /** Probes let through at once when half-open; all must succeed to close. */
  half_open_requests: v.optional(wholeNumber(1), 3),
});

/** What every provider type has, whatever its upstream: retries and a circuit breaker. */
const resilienceEntries = {
  retry: RetrySchema,
  circuit_breaker: v.optional(CircuitBreakerSchema),
};

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
  ...resilienceEntries,
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
  /** Until the upstream's response headers; for a non-streamed call, until the whole answer has been read. */
  timeout_ms: v.optional(wholeNumber(1), 600_000),
  /**
   * The longest a stream may go without a data event, from its response
   * headers on, whatever `timeout_ms` is. Comments (`: keep-alive`) are not progress.
   */
  stream_idle_timeout_ms: v.optional(wholeNumber(1), 300_000),
  /** The longest a stream may last, from the upstream request to its last event. */
  stream_max_duration_ms: v.optional(wholeNumber(1), 1_800_000),
  /** Extra headers sent with every upstream request; their values are redacted like the key. */
  headers: v.optional(headerMap, {}),
  /** Largest non-streamed answer or error body read from the upstream; a larger one is a 502 and is not read further. */
  max_response_bytes: v.optional(byteSize, '32MiB'),
  /** Largest single event of an upstream stream (in characters of decoded text); a larger one fails the stream. */
  max_event_bytes: v.optional(byteSize, '16MiB'),
  ...resilienceEntries,
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

/** One weighted target of a model served by several deployments. */
const TargetSchema = v.strictObject({
  /** A key of `providers`. */
  provider: nonEmpty,
  /** The model id sent upstream; defaults to the model's `name`. */
  provider_model_id: v.optional(nonEmpty),
  /** This target's share of calls, relative to the others' (a whole number from 1 to 1000). */
  weight: v.optional(v.pipe(wholeNumber(1, 'a whole number from 1 to 1000'), v.maxValue(1000, 'expected a whole number from 1 to 1000')), 1),
});

/** What every model has, whichever way it names its upstream. */
const modelEntries = {
  /** The name clients send as `model`. */
  name: nonEmpty,
  /** Other names clients may use for this model. */
  aliases: v.optional(v.array(nonEmpty, 'expected a list of names'), []),
  /** US dollars per million tokens, for `provider_cost_usd_total`. */
  pricing: v.optional(
    v.strictObject({
      input_per_million: v.pipe(v.number('expected a price in USD'), v.minValue(0, 'expected a price >= 0')),
      output_per_million: v.pipe(v.number('expected a price in USD'), v.minValue(0, 'expected a price >= 0')),
    }),
  ),
  /**
   * Other configured models tried in this order when this one fails with a
   * retryable failure after its retries (only this list: a fallback's own
   * fallbacks are not followed). At most 8.
   */
  fallbacks: v.optional(v.pipe(v.array(nonEmpty, 'expected a list of model names'), v.maxLength(8, 'expected at most 8 fallbacks'))),
};

const SingleTargetModelSchema = v.strictObject({
  ...modelEntries,
  /** A key of `providers`. */
  provider: nonEmpty,
  /** The model id sent upstream; defaults to `name`. */
  provider_model_id: v.optional(nonEmpty),
});

const WeightedModelSchema = v.strictObject({
  ...modelEntries,
  /** Instead of provider/provider_model_id: calls spread over these by weight, skipping open breakers (1 to 32 targets). */
  targets: v.pipe(
    v.array(TargetSchema, 'expected a list of targets'),
    v.minLength(1, 'expected at least one target'),
    v.maxLength(32, 'expected at most 32 targets'),
  ),
});

const isMapping = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

/** A model names its upstream either by `provider` (and `provider_model_id`) or by `targets`, never both. */
export const ModelSchema = v.pipe(
  v.unknown(),
  v.check(
    (input) => !isMapping(input) || !('targets' in input && ('provider' in input || 'provider_model_id' in input)),
    'expected either provider (with provider_model_id) or targets, not both',
  ),
  v.check((input) => !isMapping(input) || 'targets' in input || 'provider' in input, 'expected provider (a key of providers) or targets'),
  v.lazy((input) => (isMapping(input) && 'targets' in input ? WeightedModelSchema : SingleTargetModelSchema)),
);

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

/** A compaction key: 32 bytes, base64 (standard or URL-safe alphabet). */
const compactionKey = v.pipe(
  v.string('expected 32 bytes, base64-encoded (e.g. the output of `openssl rand -base64 32`)'),
  v.check((value) => decodeBase64(value)?.length === 32, 'expected 32 bytes, base64-encoded (e.g. the output of `openssl rand -base64 32`)'),
);

/** Standard or URL-safe base64 → bytes; undefined when it is not base64. */
export function decodeBase64(value: string): Uint8Array<ArrayBuffer> | undefined {
  const standard = value.trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard)) return undefined;
  try {
    return Uint8Array.from(atob(standard), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export const ResponsesSchema = section({
  /**
   * Seals the `compaction` items the gateway makes for providers without
   * their own compaction (AES-256-GCM): 32 bytes, base64, usually
   * `${GATEWAY_COMPACTION_KEY}`. Unset: a random key per process (a warning
   * at start-up), so such items do not survive a restart or reach another instance.
   */
  compaction_key: v.optional(compactionKey),
  /** `background: true` responses: runs that continue without the client. */
  background: section({
    /** At most this many background responses run at once; one more is a 429. */
    max_in_flight: v.optional(wholeNumber(1), 64),
    /** Events kept per streamed background response (for resuming with `starting_after`); the oldest go first. */
    max_events: v.optional(wholeNumber(1), 10_000),
    /** Bytes of events kept per streamed background response; the oldest go first. */
    max_event_bytes: v.optional(byteSize, '2MiB'),
    /** How long a finished run's events stay available for resuming (the final object stays in the store). */
    keep_events_for: v.optional(duration('5m'), '5m'),
    /** Finished runs whose events are kept at most; the oldest are dropped first. */
    max_kept_runs: v.optional(wholeNumber(0), 64),
  }),
});

export const ConfigSchema = v.strictObject({
  server: ServerSchema,
  logging: LoggingSchema,
  observability: ObservabilitySchema,
  providers: v.optional(v.record(providerName, ProviderSchema, 'expected a map of provider name to settings'), {}),
  models: v.optional(v.array(ModelSchema, 'expected a list of models'), []),
  conversations: ConversationsSchema,
  auth: AuthSchema,
  rate_limit: RateLimitSchema,
  responses: ResponsesSchema,
});

export type GatewayConfig = v.InferOutput<typeof ConfigSchema>;
export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type ProviderConfig = v.InferOutput<typeof ProviderSchema>;
export type ModelConfig = v.InferOutput<typeof ModelSchema>;
export type TargetConfig = v.InferOutput<typeof TargetSchema>;
export type RetryConfig = v.InferOutput<typeof RetrySchema>;
export type CircuitBreakerConfig = v.InferOutput<typeof CircuitBreakerSchema>;
export type ConversationsConfig = GatewayConfig['conversations'];
export type ObservabilityConfig = GatewayConfig['observability'];
export type RequestLimits = GatewayConfig['server']['limits'];
export type WebSocketConfig = GatewayConfig['server']['websocket'];
export type CorsConfig = NonNullable<GatewayConfig['server']['cors']>;
export type AuthConfig = GatewayConfig['auth'];
export type ApiKeyConfig = AuthConfig['api_keys'][number];
export type OidcConfig = NonNullable<AuthConfig['oidc']>;
export type RateLimitConfig = GatewayConfig['rate_limit'];
export type ResponsesConfig = GatewayConfig['responses'];
export type BackgroundConfig = ResponsesConfig['background'];
