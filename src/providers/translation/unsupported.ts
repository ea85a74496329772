import { InvalidRequestError } from '../../errors/gateway-error.ts';

/** A 400 for input the upstream's protocol cannot express, naming the provider type. */
export function unsupported(what: string, providerType: string, param?: string): InvalidRequestError {
  return new InvalidRequestError(`${what} is not supported by ${providerType} providers.`, { code: 'unsupported_value', ...(param ? { param } : {}) });
}
