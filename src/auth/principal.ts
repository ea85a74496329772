import type { Principal } from '../core/principal.ts';

export type { Principal };

/** The limiter's key for a principal: kinds never share a bucket, even when their ids are equal. */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}
