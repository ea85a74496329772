import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { defineConfig } from '../../src/config/parse-config.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { InstantProvider } from '../fakes/instant-provider.ts';

/**
 * Property-based tests of what clients may send to the model-calling routes:
 * whatever the body and headers, the gateway answers without a 5xx, every 4xx
 * has OpenAI's error shape with a short message, every 200 is a complete JSON
 * answer or stream, nothing is logged as an error and nothing is left
 * rejected unhandled. Bodies are arbitrary JSON, raw text, and valid bodies
 * with mutations (wrong types, nulls, huge and odd numbers, deep nesting,
 * long strings, lists for objects, unknown keys, removed keys). The seed is
 * printed on failure; `FUZZ_SEED=<n>` replays a run.
 */

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** Cases per property; their sum is the cases per run. `FUZZ_RUNS` (JSON of the same shape) changes them for a longer search. */
const RUNS = process.env.FUZZ_RUNS ? JSON.parse(process.env.FUZZ_RUNS) : { responses: 8_000, chat: 8_000, json: 2_000, raw: 1_000, headers: 1_500 };

const BASE = 'http://gateway.test';

/** A value written into the JSON text as it is (numbers JSON.stringify cannot write, nesting too deep to build). */
class Raw {
  constructor(readonly text: string) {}
}

const deepArray = (n: number) => new Raw(`${'['.repeat(n)}${']'.repeat(n)}`);
const deepObject = (n: number) => new Raw(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);

const RAW_VALUES = [
  '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.1e1', '9007199254740993', '1E+2',
  '"\\ud800"', '"\\u0000"', '"\\udfff\\ud800"', '"\\ufeff"',
].map((text) => new Raw(text));

/** Values that do not belong where a mutation puts them. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1, 2.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, '', 'x', [], {}, [null], [{}], { type: 'text' }) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_VALUES) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(deepArray(65), deepArray(1_000), deepArray(10_000), deepObject(65), deepObject(10_000)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => 'w '.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300_000), `mock/${'m'.repeat(100_000)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 2_049, max: 2_100 }).map((n) => Array.from({ length: n }, () => ({ role: 'user', content: 'x' }))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);

const shortText = fc.string({ maxLength: 24 });
const textParts = fc.array(fc.record({ type: fc.constant('input_text'), text: shortText }), { minLength: 1, maxLength: 3 });
const functionTool = fc.record({ type: fc.constant('function'), name: fc.constantFrom('get_weather', 'f', 'lookup_1'), description: shortText, parameters: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }) }, { requiredKeys: ['type', 'name'] });

const responsesItem = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'developer'), content: fc.oneof(shortText, textParts) }),
  fc.record({ type: fc.constant('message'), role: fc.constant('user'), content: fc.oneof(shortText, textParts) }),
  fc.record({ type: fc.constant('function_call'), call_id: fc.constantFrom('call_1', 'call_2'), name: fc.constantFrom('get_weather', 'f'), arguments: fc.constantFrom('{}', '{"city":"Oslo"}', 'not json') }),
  fc.record({ type: fc.constant('function_call_output'), call_id: fc.constantFrom('call_1', 'call_2'), output: fc.oneof(shortText, textParts) }),
  fc.record({ type: fc.constant('item_reference'), id: fc.constantFrom('msg_missing', 'fc_1') }),
  fc.record({ type: fc.constant('reasoning'), id: fc.constant('rs_1'), summary: fc.array(fc.record({ type: fc.constant('summary_text'), text: shortText }), { maxLength: 2 }) }),
  fc.record({ role: fc.constant('user'), content: fc.array(fc.oneof(
    fc.record({ type: fc.constant('input_image'), image_url: fc.constantFrom('https://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo='), detail: fc.constantFrom('low', 'high', 'auto') }),
    fc.record({ type: fc.constant('input_file'), file_data: fc.constant('data:application/pdf;base64,JVBERi0='), filename: fc.constant('a.pdf') }),
  ), { minLength: 1, maxLength: 2 }) }),
);

const MODELS = ['mock', 'mock', 'mock-alias', 'instant', 'instant', 'mock/x', 'instant/y', 'slow', 'nowhere', 'nowhere/x'];

const responsesBody = fc.record(
  {
    model: fc.constantFrom(...MODELS),
    input: fc.oneof(shortText, fc.array(responsesItem, { minLength: 1, maxLength: 4 })),
    instructions: fc.oneof(shortText, fc.constant(null)),
    stream: fc.boolean(),
    store: fc.boolean(),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_output_tokens: fc.integer({ min: 1, max: 40 }),
    tools: fc.array(functionTool, { maxLength: 3 }),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required'), fc.constant({ type: 'function', name: 'get_weather' })),
    parallel_tool_calls: fc.boolean(),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }),
    user: shortText,
    text: fc.record({ format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true }) }),
    reasoning: fc.record({ effort: fc.constantFrom('minimal', 'low', 'medium', 'high', null), summary: fc.constantFrom('auto', 'concise', 'detailed', null) }),
    truncation: fc.constantFrom('auto', 'disabled'),
    previous_response_id: fc.constantFrom(null, null, null, 'resp_missing'),
    top_logprobs: fc.integer({ min: 0, max: 20 }),
    include: fc.constant([]),
    service_tier: fc.constantFrom('auto', 'default'),
  },
  { requiredKeys: ['model', 'input'] },
);

const chatMessage = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: shortText }),
  fc.record({ role: fc.constant('user'), content: fc.oneof(shortText, fc.array(fc.oneof(
    fc.record({ type: fc.constant('text'), text: shortText }),
    fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.constantFrom('https://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo=') }) }),
    fc.record({ type: fc.constant('file'), file: fc.record({ file_data: fc.constant('data:application/pdf;base64,JVBERi0='), filename: fc.constant('a.pdf') }) }),
  ), { minLength: 1, maxLength: 3 })) }),
  fc.record({ role: fc.constant('assistant'), content: fc.oneof(shortText, fc.constant(null)), tool_calls: fc.array(fc.record({ id: fc.constantFrom('call_1', 'call_2'), type: fc.constant('function'), function: fc.record({ name: fc.constant('get_weather'), arguments: fc.constant('{}') }) }), { maxLength: 2 }) }, { requiredKeys: ['role'] }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('call_1', 'call_9'), content: shortText }),
);

const chatBody = fc.record(
  {
    model: fc.constantFrom(...MODELS),
    messages: fc.array(chatMessage, { minLength: 1, maxLength: 4 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    max_completion_tokens: fc.integer({ min: 1, max: 40 }),
    max_tokens: fc.integer({ min: 1, max: 40 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    stop: fc.oneof(shortText, fc.array(shortText, { maxLength: 4 })),
    tools: fc.array(functionTool.map(({ type, ...fn }) => ({ type, function: fn })), { maxLength: 3 }),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required'), fc.constant({ type: 'function', function: { name: 'get_weather' } })),
    parallel_tool_calls: fc.boolean(),
    response_format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } }),
    n: fc.constant(1),
    user: shortText,
    reasoning_effort: fc.constantFrom('minimal', 'low', 'medium', 'high'),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }),
    logprobs: fc.constantFrom(false, null, null, null, true),
    frequency_penalty: fc.constantFrom(0, null, null, null, 1),
    seed: fc.constantFrom(null, null, null, 7),
    modalities: fc.constantFrom(['text'], null),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** A third of the bodies are left valid, so that answers as well as refusals are checked. */
const mutations = (m: fc.Arbitrary<Mutation>) => fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 2, arbitrary: fc.array(m, { minLength: 1, maxLength: 3 }) });

/** One change to a valid body: at the path picked by `at` (any key or item, at any depth). */
type Mutation = { kind: 'replace'; at: number; value: unknown } | { kind: 'delete'; at: number } | { kind: 'add'; at: number; key: string; value: unknown } | { kind: 'wrap'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: weird }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'type', 'role', 'toString', ''), fc.string({ maxLength: 10 })), value: weird }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
);

/** Every place in a JSON value where a value sits: its container and key. */
function slots(root: Record<string, unknown>): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        out.push([value, i]);
        stack.push(item);
      });
    } else if (value && typeof value === 'object' && !(value instanceof Raw)) {
      for (const key of Object.keys(value)) {
        out.push([value as Record<string, unknown>, key]);
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return out;
}

/** A fresh copy: generated constants are shared between cases, and a mutation must never change (or loop back into) one. */
const fresh = (value: unknown): unknown => (value instanceof Raw || value === undefined ? value : JSON.parse(JSON.stringify(value)));

function mutate(body: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  // Through JSON: generated values share objects, and a change to one place must not show in another.
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  for (const original of mutations) {
    const m = 'value' in original ? { ...original, value: fresh(original.value) } : original;
    const places = slots(copy);
    if (places.length === 0) break;
    const [container, key] = places[m.at % places.length]!;
    const target = container as Record<string | number, unknown>;
    if (m.kind === 'replace') target[key] = m.value;
    else if (m.kind === 'delete') Array.isArray(container) ? container.splice(key as number, 1) : delete target[key];
    else if (m.kind === 'wrap') target[key] = [target[key]];
    else {
      const inner = target[key];
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Raw)) Object.defineProperty(inner, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
      else copy[m.key] = m.value;
    }
  }
  return copy;
}

/** JSON text with Raw values spliced in as written. */
function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  if (raws.length === 0) return text ?? 'null';
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-16', 'text/plain', 'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/json, text/plain', '', ';', 'application/json; charset', 'application/*', undefined,
];
const ENCODINGS = [undefined, 'gzip', 'deflate', 'identity', 'br', 'zstd', 'gzip, deflate', '', 'GZip', 'x-gzip', 'lies'] as const;

interface Sent {
  path: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
}

let gateway: Gateway;
const errors: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** The properties every answer must have. */
/** Answers by status class, so a run can show it exercised both successes and refusals. */
const seen = { ok: 0, refused: 0 };

async function check({ path, body, headers }: Sent): Promise<void> {
  const res = await gateway.fetch(new Request(`${BASE}${path}`, { method: 'POST', headers, body: body as BodyInit }));
  const text = await res.text();
  const context = () => `${res.status} ${text.slice(0, 300)} for ${JSON.stringify(headers)} ${typeof body === 'string' ? body.slice(0, 300) : `<${body.byteLength} bytes>`}`;
  assert.ok(res.status < 500, `a 5xx: ${context()}`);
  assert.ok(res.headers.get('x-request-id'), `no x-request-id: ${context()}`);
  if (res.status >= 400) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, context());
    const parsed = JSON.parse(text);
    assert.deepEqual(Object.keys(parsed), ['error'], context());
    const error = parsed.error;
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'], context());
    assert.ok(typeof error.message === 'string' && error.message.length > 0 && error.message.length < 1_500, `message: ${context()}`);
    assert.ok(['invalid_request_error', 'permission_error'].includes(error.type), context());
    assert.ok(error.param === null || (typeof error.param === 'string' && error.param.length <= 300), `param: ${context()}`);
    assert.ok(error.code === null || typeof error.code === 'string', context());
    seen.refused++;
    return;
  }
  assert.equal(res.status, 200, context());
  seen.ok++;
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const end = path === '/v1/responses' ? /event: response\.(completed|incomplete)\ndata: [^\n]+\n\n$/ : /data: \[DONE\]\n\n$/;
    assert.match(text, end, `a stream that did not end well: ${context()}`);
  } else {
    const answer = JSON.parse(text);
    assert.ok(path === '/v1/responses' ? answer.object === 'response' : answer.object === 'chat.completion', context());
  }
}

const json = (path: string, body: string): Sent => ({ path, body, headers: { 'content-type': 'application/json' } });
/** Runs a property; a failure is reported with its seed, the error and the start of the counterexample (which can be megabytes). */
async function run(property: fc.IAsyncPropertyWithHooks<any>, numRuns: number): Promise<void> {
  const details = await fc.check(property, { numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample, (_k, v) => (v instanceof Raw ? `<raw ${v.text.slice(0, 40)}… (${v.text.length})>` : typeof v === 'string' && v.length > 200 ? `${v.slice(0, 40)}… (${v.length} characters)` : Array.isArray(v) && v.length > 10 ? [...v.slice(0, 3), `… (${v.length} items)`] : v));
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  assert.fail(`failed after ${details.numRuns} cases (FUZZ_SEED=${details.seed}): ${error.slice(0, 2_000)}\ncounterexample: ${example.slice(0, 4_000)}`);
}

describe('fuzz: what clients send never gets a 5xx, always the OpenAI error shape', () => {
  before(() => {
    process.on('unhandledRejection', onUnhandled);
    const logger = createLogger({ level: 'warn', format: 'json', sink: (line) => errors.push(line) });
    gateway = createGateway(
      defineConfig({
        providers: { mock: { type: 'mock' }, instant: { type: 'mock' }, slow: { type: 'mock', chunks: 3 } },
        models: [{ name: 'mock', provider: 'mock', aliases: ['mock-alias'] }, { name: 'instant', provider: 'instant' }, { name: 'slow', provider: 'slow' }],
        observability: { metrics: { default_metrics: false } },
        // Stored responses hold their input: a few entries keep the run's memory small.
        conversations: { max_entries: 50 },
      }),
      { logger, providers: new Map([['instant', new InstantProvider('instant')]]) },
    );
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gateway.shutdown();
  });

  test(`Responses bodies, valid and mutated (${RUNS.responses} cases)`, async () => {
    await run(
      fc.asyncProperty(responsesBody, mutations(mutation), async (body, mutations) => {
        await check(json('/v1/responses', serialize(mutate(body, mutations))));
      }),
      RUNS.responses,
    );
  });

  test(`Chat Completions bodies, valid and mutated (${RUNS.chat} cases)`, async () => {
    await run(
      fc.asyncProperty(chatBody, mutations(mutation), async (body, mutations) => {
        await check(json('/v1/chat/completions', serialize(mutate(body, mutations))));
      }),
      RUNS.chat,
    );
  });

  test(`arbitrary JSON values as bodies (${RUNS.json} cases)`, async () => {
    await run(
      fc.asyncProperty(fc.constantFrom('/v1/responses', '/v1/chat/completions'), fc.jsonValue({ maxDepth: 6 }), async (path, value) => {
        await check(json(path, JSON.stringify(value) ?? 'null'));
      }),
      RUNS.json,
    );
  });

  test(`raw text as bodies: truncated JSON, odd bytes (${RUNS.raw} cases)`, async () => {
    const valid = serialize({ model: 'mock', input: [{ role: 'user', content: 'Hi there' }], stream: true });
    await run(
      fc.asyncProperty(
        fc.constantFrom('/v1/responses', '/v1/chat/completions'),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
          fc.constantFrom('\ufeff{"model":"mock","input":"x"}', '{"model":"mock","input":"x"}garbage', '{"model":"mock","input":"x"', ' ', '\n\n', 'NaN', '{"model":"mock","model":"instant","input":"x"}', '{"__proto__":{"stream":true},"model":"mock","input":"x"}'),
        ),
        async (path, body) => {
          await check(json(path, body));
        },
      ),
      RUNS.raw,
    );
  });

  test(`odd headers: content types and encodings (${RUNS.headers} cases)`, async () => {
    await run(
      fc.asyncProperty(
        fc.constantFrom('/v1/responses', '/v1/chat/completions'),
        fc.constantFrom(...CONTENT_TYPES),
        fc.constantFrom(...ENCODINGS),
        fc.boolean(),
        fc.boolean(),
        async (path, type, encoding, encodeForReal, stream) => {
          const text = path === '/v1/responses' ? serialize({ model: 'mock', input: 'Hi', stream }) : serialize({ model: 'instant', messages: [{ role: 'user', content: 'Hi' }], stream });
          const headers: Record<string, string> = {};
          if (type !== undefined) headers['content-type'] = type;
          if (encoding !== undefined) headers['content-encoding'] = encoding;
          const lower = encoding?.toLowerCase();
          const body = !encodeForReal ? text : lower === 'gzip' || lower === 'x-gzip' ? gzipSync(text) : lower === 'deflate' ? deflateSync(text) : text;
          await check({ path, body, headers });
        },
      ),
      RUNS.headers,
    );
  });

  test('nothing was logged as an error, and no promise was left rejected', async () => {
    // Unhandled rejections surface on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(errors.filter((line) => /"level":"ERROR"/.test(line)).slice(0, 3), []);
    assert.deepEqual(unhandled, []);
    // Neither kind of answer is rare: the generators reach the providers and the checks.
    const total = seen.ok + seen.refused;
    assert.ok(seen.ok > total / 10 && seen.refused > total / 10, JSON.stringify(seen));
  });
});
