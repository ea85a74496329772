import type { Hono } from 'hono';
import type { ModelRouter } from '../../providers/model-router.ts';
import { jsonResponse } from '../../core/json-response.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/** `GET /v1/models` (on the `/v1` sub-app): every routable model name, in OpenAI's list shape. */
export function modelsRoutes(app: Hono<AppEnv>, router: ModelRouter): void {
  const body = { object: 'list', data: router.list() };
  app.get('/models', function listModels() {
    return jsonResponse(body);
  });
}
