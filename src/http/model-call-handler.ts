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
}

/**
 * The handler every model-calling endpoint shares: read the JSON body within
 * the size limit, hold it to the request limits before validation walks it,
 * tie a non-streamed call to the client's connection (streams notice the
 * client leaving through their own cancellation), hand over.
 */
export function modelCallHandler(service: ModelCallService, { maxBodySize, limits, inputKey }: ModelCallOptions): Handler<AppEnv> {
  const lists = { [inputKey]: limits.max_input_items, tools: limits.max_tools };
  return async function modelCall(c) {
    const scope = c.get('scope');
    const body = await readJsonBody(c.req.raw, maxBodySize, (bytes) => (scope.requestBytes = bytes));
    checkJsonLimits(body, limits, lists);
    if (!wantsStream(body)) linkAbort(c.req.raw.signal, scope.controller);
    return service.create(body, scope);
  };
}

/** Whether a parsed JSON body asks for a stream (`"stream": true`). */
function wantsStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true;
}
