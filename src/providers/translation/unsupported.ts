import { InvalidRequestError } from '../../errors/gateway-error.ts';

/** A 400 for input the upstream's protocol cannot express, naming the provider type. */
export function unsupported(what: string, providerType: string, param?: string): InvalidRequestError {
  return new InvalidRequestError(`${what} is not supported by ${providerType} providers.`, { code: 'unsupported_value', ...(param ? { param } : {}) });
}

/**
 * A 400 for a `compaction` item an upstream made (its content only that
 * upstream can read) sent to a provider of another type.
 */
export function foreignCompaction(providerType: string, index: number): InvalidRequestError {
  return new InvalidRequestError(
    `input[${index}] is a compaction item made by another upstream's own compaction; ${providerType} providers cannot read it. Compact again through this model.`,
    { code: 'unsupported_value', param: `input[${index}]` },
  );
}
