import type { RequestScope } from '../core/request-scope.ts';

/** Hono context variables every handler can rely on. */
export interface AppEnv {
  Variables: {
    scope: RequestScope;
  };
}
