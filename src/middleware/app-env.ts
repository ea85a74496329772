import type { ClientAddress } from '../core/client-address.ts';
import type { RequestScope } from '../core/request-scope.ts';

/** The Hono environment of the gateway's app. */
export interface AppEnv {
  /**
   * What `Gateway.fetch` hands the app as its environment: the peer's address
   * as the runtime adapter saw it, or nothing (in-memory use, or an adapter
   * that cannot tell).
   */
  Bindings: Partial<ClientAddress>;
  /** Context variables every handler can rely on. */
  Variables: {
    scope: RequestScope;
  };
}
