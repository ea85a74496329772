import type { Hono } from 'hono';
import type { RequestLimits } from '../config/schema.ts';
import type { ResponsesService } from './responses-service.ts';
import { jsonResponse } from '../core/json-response.ts';
import { modelCallHandler, type ModelCallService } from '../http/model-call-handler.ts';
import { InvalidRequestError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import type { RequestScope } from '../core/request-scope.ts';

export interface ResponsesRouteOptions {
  service: ResponsesService;
  /** `POST /v1/responses/compact`. */
  compaction: ModelCallService;
  maxBodySize: number;
  limits: RequestLimits;
  /** See ModelCallOptions. */
  bodyRead?: ((bytes: number) => void) | undefined;
}

/** `/v1/responses`, `/v1/responses/input_tokens` and `/v1/responses/:id[/input_items]`, on the `/v1` sub-app. */
export function responsesRoutes(app: Hono<AppEnv>, { service, compaction, maxBodySize, limits, bodyRead }: ResponsesRouteOptions): void {
  app.post('/responses', modelCallHandler(service, { maxBodySize, limits, inputKey: 'input', bodyRead }));
  app.post('/responses/compact', modelCallHandler(compaction, { maxBodySize, limits, inputKey: 'input', bodyRead }));
  // Read and bounded like a create body; a count is never streamed.
  const counter = { create: (body: unknown, scope: RequestScope) => service.countInputTokens(body, scope) };
  app.post('/responses/input_tokens', modelCallHandler(counter, { maxBodySize, limits, inputKey: 'input', bodyRead }));
  app.get('/responses/:id', async function retrieveResponse(c) {
    const query = new URL(c.req.url).searchParams;
    if (query.get('stream') === 'true') return service.retrieveStream(c.req.param('id'), startingAfter(query), c.get('scope'));
    return jsonResponse(await service.retrieve(c.req.param('id'), c.get('scope')));
  });
  app.post('/responses/:id/cancel', async function cancelResponse(c) {
    return jsonResponse(await service.cancel(c.req.param('id'), c.get('scope')));
  });
  app.delete('/responses/:id', async function deleteResponse(c) {
    return jsonResponse(await service.delete(c.req.param('id'), c.get('scope')));
  });
  app.get('/responses/:id/input_items', async function listInputItems(c) {
    return jsonResponse(await service.inputItems(c.req.param('id'), new URL(c.req.url).searchParams, c.get('scope')));
  });
}

/** `starting_after`: a sequence number (-1, the default, replays every event). */
function startingAfter(query: URLSearchParams): number {
  const raw = query.get('starting_after');
  if (raw === null) return -1;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < -1) {
    throw new InvalidRequestError(`Invalid value for 'starting_after': expected a sequence number (an integer >= -1), got ${quoteValue(raw)}.`, { param: 'starting_after', code: 'invalid_value' });
  }
  return n;
}
