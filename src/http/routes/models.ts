import type { Hono } from 'hono';
import type { Principal } from '../../core/principal.ts';
import type { ModelRouter } from '../../providers/model-router.ts';
import { jsonResponse } from '../../core/json-response.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/**
 * `GET /v1/models` (on the `/v1` sub-app): every routable model name, in
 * OpenAI's list shape; with `visibleModels`, only those the caller may use
 * (each allow-list's list is built once).
 */
export function modelsRoutes(app: Hono<AppEnv>, router: ModelRouter, visibleModels?: (principal: Principal) => ReadonlySet<string> | undefined): void {
  const body = { object: 'list', data: router.list() };
  const lists = new WeakMap<ReadonlySet<string>, typeof body>();
  app.get('/models', function listModels(c) {
    const visible = visibleModels?.(c.get('scope').principal);
    if (!visible) return jsonResponse(body);
    let list = lists.get(visible);
    if (!list) lists.set(visible, (list = { object: 'list', data: body.data.filter((model) => visible.has(model.id)) }));
    return jsonResponse(list);
  });
}
