import type { Hono } from 'hono';
import type { ModelRouter } from '../../providers/model-router.ts';
import type { AppEnv } from '../types.ts';

/** `GET /v1/models`: every routable model name, in OpenAI's list shape. */
export function modelsRoutes(app: Hono<AppEnv>, router: ModelRouter): void {
  const body = JSON.stringify({ object: 'list', data: router.list() });
  app.get('/v1/models', function listModels(c) {
    return c.body(body, 200, { 'content-type': 'application/json' });
  });
}
