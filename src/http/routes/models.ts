import type { Hono } from 'hono';
import type { ModelRouter } from '../../providers/model-router.ts';
import { jsonResponse } from '../../core/json-response.ts';
import { NotFoundError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/**
 * `GET /v1/models` (on the `/v1` sub-app): every routable model name, in
 * OpenAI's list shape; `GET /v1/models/{model}`: one of them, or a
 * `provider/model` a configured provider serves (the name may hold `/`,
 * sent raw or encoded), else 404 `model_not_found`.
 */
export function modelsRoutes(app: Hono<AppEnv>, router: ModelRouter): void {
  const body = { object: 'list', data: router.list() };
  app.get('/models', function listModels() {
    return jsonResponse(body);
  });
  app.get('/models/:model{.+}', function retrieveModel(c) {
    const model = c.req.param('model');
    const entry = router.describe(model);
    if (!entry) throw new NotFoundError(`The model ${quoteValue(model)} does not exist or is not served by this gateway.`, { param: 'model', code: 'model_not_found' });
    return jsonResponse(entry);
  });
}
