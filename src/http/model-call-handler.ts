import type { Handler } from 'hono';
import type { RequestLimits } from '../config/schema.ts';
import { checkJsonLimits } from './check-json-limits.ts';
import type { RequestScope } from '../core/request-scope.ts';
import { linkAbort } from './link-abort.ts';
import { readJsonBody } from './read-json-body.ts';
import type { AppEnv } from '../middleware/app-env.ts';

/** A service that answers a model call (Responses, Chat Completions) from a parsed JSON body. */
export interface ModelCallService {
  create(body: unknown, scope: RequestScope): Promise<Response>;
}

export interface ModelCallOptions {
  maxBodySize: number;
  limits: RequestLimits;
  /** The body's list of input items (`input`, `messages`), held to `limits.max_input_items`. */
  inputKey: string;
  /** Told the size of a body read without Content-Length, or decoded from a Content-Encoding (see readJsonBody). */
  bodyRead?: ((bytes: number) => void) | undefined;
}

/**
 * The handler every model-calling endpoint shares: read the JSON body within
 * the size limit, hold it to the request limits before validation walks it,
 * tie the call to the client's connection (a stream only until its response
 * exists: from then on it notices the client leaving through its own
 * cancellation, which every runtime reports alike), note the client's own
 * time limit, hand over.
 */
export function modelCallHandler(service: ModelCallService, { maxBodySize, limits, inputKey, bodyRead }: ModelCallOptions): Handler<AppEnv> {
  const lists = { [inputKey]: limits.max_input_items, tools: limits.max_tools };
  return async function modelCall(c) {
    const scope = c.get('scope');
    const body = await readJsonBody(c.req.raw, maxBodySize, (bytes) => (scope.requestBytes = bytes), bodyRead);
    checkJsonLimits(body, limits, lists);
    const timeout = c.req.raw.headers.get(CLIENT_TIMEOUT_HEADER);
    if (timeout !== null) scope.deadline = deadlineOf(timeout, scope.startedAt);
    // A client that leaves while the upstream is called (or a retry waits) cancels the call.
    const departure = c.env?.departure;
    if (departure) departure.watch(scope.controller);
    const link = departure ?? linkAbort(c.req.raw.signal, scope.controller);
    if (!wantsStream(body)) return service.create(body, scope);
    try {
      return await service.create(body, scope);
    } finally {
      link.unlink();
    }
  };
}

/** The official OpenAI SDKs send their own request time limit, in whole seconds. */
const CLIENT_TIMEOUT_HEADER = 'x-stainless-timeout';
/** A day: a longer time limit is as good as none. */
const MAX_CLIENT_TIMEOUT_S = 86_400;

/** When the client stops waiting, from its time-limit header; undefined when the value is not a plain number of seconds. */
function deadlineOf(value: string, startedAt: number): number | undefined {
  if (value.length > 9 || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const seconds = Number(value);
  if (!(seconds > 0) || seconds > MAX_CLIENT_TIMEOUT_S) return undefined;
  return startedAt + seconds * 1000;
}

/** Whether a parsed JSON body asks for a stream (`"stream": true`). */
function wantsStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true;
}
