import type { Hono } from 'hono';
import type { RequestLimits } from '../config/schema.ts';
import type { ResponsesService } from './responses-service.ts';
import { jsonResponse } from '../core/json-response.ts';
import { modelCallHandler } from '../http/model-call-handler.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import type { RequestScope } from '../core/request-scope.ts';

export interface ResponsesRouteOptions {
  service: ResponsesService;
  maxBodySize: number;
  limits: RequestLimits;
}

/** `/v1/responses`, `/v1/responses/input_tokens` and `/v1/responses/:id[/input_items]`, on the `/v1` sub-app. */
export function responsesRoutes(app: Hono<AppEnv>, { service, maxBodySize, limits }: ResponsesRouteOptions): void {
  app.post('/responses', modelCallHandler(service, { maxBodySize, limits, inputKey: 'input' }));
  // Read and bounded like a create body; a count is never streamed.
  const counter = { create: (body: unknown, scope: RequestScope) => service.countInputTokens(body, scope) };
  app.post('/responses/input_tokens', modelCallHandler(counter, { maxBodySize, limits, inputKey: 'input' }));
  app.get('/responses/:id', async function retrieveResponse(c) {
    return jsonResponse(await service.retrieve(c.req.param('id'), c.get('scope')));
  });
  app.delete('/responses/:id', async function deleteResponse(c) {
    return jsonResponse(await service.delete(c.req.param('id'), c.get('scope')));
  });
  app.get('/responses/:id/input_items', async function listInputItems(c) {
    return jsonResponse(await service.inputItems(c.req.param('id'), new URL(c.req.url).searchParams, c.get('scope')));
  });
}
