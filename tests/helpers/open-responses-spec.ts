import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Validation against the vendored Open Responses specification
 * (tests/spec/open-responses.schema.json, see the README beside it): the
 * response object and every streaming event, by its `type`. Compiled once;
 * a check is a plain function call, cheap enough to run on everything a test
 * sees.
 */
const document = JSON.parse(readFileSync(new URL('../spec/open-responses.schema.json', import.meta.url), 'utf8'));
const SCHEMA_ID = 'open-responses';
// OpenAPI's own keywords (discriminator, x-*) are annotations here: strict mode would reject them.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(document, SCHEMA_ID);

const compiled = new Map<string, ValidateFunction>();
function validator(component: string): ValidateFunction {
  let validate = compiled.get(component);
  if (!validate) {
    validate = ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${component}`);
    if (!validate) throw new Error(`no component ${component} in the vendored specification`);
    compiled.set(component, validate);
  }
  return validate;
}

/** Streaming event `type` → its component, from the specification's list of stream events. */
const EVENT_COMPONENTS = new Map<string, string>();
for (const ref of document.paths['/responses'].post.responses['200'].content['text/event-stream'].schema.oneOf as Array<{ $ref: string }>) {
  const component = ref.$ref.slice('#/components/schemas/'.length);
  const type = document.components.schemas[component].properties.type.enum[0] as string;
  EVENT_COMPONENTS.set(type, component);
}

function check(component: string, value: unknown, what: string): void {
  const validate = validator(component);
  if (validate(value)) return;
  const errors = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  throw new Error(`${what} does not conform to the Open Responses specification (${component}): ${errors}\n${JSON.stringify(value).slice(0, 2000)}`);
}

/** Throws unless `value` is a valid response object (`ResponseResource`). */
export function checkResponseObject(value: unknown): void {
  check('ResponseResource', value, 'response object');
}

/** Throws unless `event` is one of the specification's streaming events and valid as that event. */
export function checkStreamEvent(event: unknown): void {
  const type = (event as { type?: unknown } | null)?.type;
  const component = typeof type === 'string' ? EVENT_COMPONENTS.get(type) : undefined;
  if (!component) throw new Error(`stream event type ${JSON.stringify(type)} is not in the Open Responses specification`);
  check(component, event, `stream event ${type}`);
}

/** Throws unless `message` is what WebSocket mode may send: a streaming event, or an `error` envelope (`WebSocketErrorEvent`). */
export function checkWebSocketMessage(message: unknown): void {
  if ((message as { type?: unknown } | null)?.type === 'error') check('WebSocketErrorEvent', message, 'WebSocket error envelope');
  else checkStreamEvent(message);
}

/** Throws unless `value` is a valid compaction result (`CompactResource`). */
export function checkCompaction(value: unknown): void {
  check('CompactResource', value, 'compaction result');
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A fetch for the official SDK that validates what the gateway answers on
 * the Responses routes before the SDK sees it: response objects (create,
 * retrieve, cancel), compaction results, and each SSE event as it arrives
 * (a stream that breaks the specification errors, so the SDK call fails).
 */
export function specCheckingFetch(inner: Fetch): Fetch {
  return async function checkedFetch(input, init) {
    const response = await inner(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const kind = routeKind(url.pathname, method);
    if (!kind || response.status !== 200) return response;
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream') && response.body) {
      return new Response(response.body.pipeThrough(eventChecker()), { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    if (type.startsWith('application/json')) {
      const body = await response.clone().json();
      if (kind === 'compaction') checkCompaction(body);
      else checkResponseObject(body);
    }
    return response;
  };
}

function routeKind(path: string, method: string): 'response' | 'compaction' | undefined {
  if (method === 'DELETE') return undefined;
  if (/\/responses\/compact$/.test(path)) return 'compaction';
  if (/\/responses\/input_tokens$/.test(path) || /\/input_items$/.test(path)) return undefined;
  return /\/responses(\/[^/]+(\/cancel)?)?$/.test(path) ? 'response' : undefined;
}

/** Passes an SSE body through unchanged, checking each `data:` event (comments and `[DONE]` aside). */
function eventChecker(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = '';
  const checkBlocks = (final: boolean) => {
    const blocks = buffer.split('\n\n');
    buffer = final ? '' : blocks.pop()!;
    for (const block of blocks) {
      const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
      if (data && data !== '[DONE]') checkStreamEvent(JSON.parse(data));
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      checkBlocks(false);
      controller.enqueue(chunk);
    },
    flush() {
      buffer += decoder.decode();
      checkBlocks(true);
    },
  });
}
