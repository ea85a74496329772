import type { Authenticator } from '../auth/create-authenticator.ts';
import { ModelNotAllowedError } from '../errors/access-errors.ts';
import type { CallHook } from './call-hook.ts';

/**
 * Refuses, with 403 `model_not_allowed` and before any upstream call, a model
 * outside the caller's allow-list (`auth.api_keys[].models`). The route's
 * name is the configured model's (an alias resolves to it), and an allowed
 * name brings its aliases with it; a `provider/model` name is never on a list.
 */
export function modelAccessHook(authenticator: Authenticator): CallHook {
  return {
    before(call) {
      if (!authenticator.allowsModel(call.scope.principal, call.route.name)) throw new ModelNotAllowedError(call.route.name);
    },
  };
}
