import type { Hono } from 'hono';
import type { Principal } from '../../core/principal.ts';
import type { ModelRouter } from '../../providers/model-router.ts';
import { jsonResponse } from '../../core/json-response.ts';
import { NotFoundError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/**
 * `GET /v1/models` (on the `/v1` sub-app): every routable model name, in
 * OpenAI's list shape; with `visibleModels`, only those the caller may use
 * (each allow-list's list is built once). `GET /v1/models/{model}`: one of
 * them, or a `provider/model` a configured provider serves (the name may hold
 * `/`, sent raw or encoded), else 404 `model_not_found`.
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
  app.get('/models/:model{.+}', function retrieveModel(c) {
    const model = c.req.param('model');
    const entry = router.describe(model);
    const visible = visibleModels?.(c.get('scope').principal);
    // A model the caller may not use does not exist for it.
    if (!entry || (visible && !visible.has(entry.id))) throw new NotFoundError(`The model ${quoteValue(model)} does not exist or is not served by this gateway.`, { param: 'model', code: 'model_not_found' });
    return jsonResponse(entry);
  });
}
