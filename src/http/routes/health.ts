import type { Hono } from 'hono';
import type { ConversationStore } from '../../conversation/store.ts';
import { StoreUnavailableError } from '../../errors/gateway-error.ts';
import type { ModelRouter } from '../../providers/model-router.ts';
import { jsonResponse } from '../../core/json-response.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

export interface HealthOptions {
  store: ConversationStore;
  router: ModelRouter;
  /** True once shutdown has begun: stop sending traffic here. */
  draining: () => boolean;
  /** How long a store check may take before it counts as failed. */
  checkTimeoutMs?: number;
}

/**
 * `/health` answers while the process can serve HTTP (liveness). `/ready`
 * (readiness) checks what requests need: a reachable conversation store and at
 * least one model; it answers 503 with the failing checks otherwise, and while
 * shutting down.
 */
export function healthRoutes(app: Hono<AppEnv>, { store, router, draining, checkTimeoutMs = 2_000 }: HealthOptions): void {
  app.get('/health', function health() {
    return jsonResponse({ status: 'ok' });
  });
  app.get('/ready', async function ready() {
    const checks: Record<string, string> = {};
    checks.store = await withTimeout(store.ping(), checkTimeoutMs).then(
      () => 'ok',
      (error: unknown) => `${store.backend} unreachable: ${error instanceof StoreUnavailableError ? error.reason : error instanceof Error ? error.message : String(error)}`,
    );
    checks.models = router.size > 0 ? 'ok' : 'no model is configured';
    if (draining()) checks.shutdown = 'shutting down';
    const ok = Object.values(checks).every((value) => value === 'ok');
    return jsonResponse({ status: ok ? 'ready' : 'not_ready', checks }, ok ? 200 : 503);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
