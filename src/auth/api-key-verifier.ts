import type { ApiKeyConfig } from '../config/schema.ts';
import type { Principal } from './principal.ts';

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** SHA-256 with WebCrypto, which every runtime has and which runs off the JS thread where it can. */
export async function sha256HexAsync(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += HEX[byte];
  return hex;
}

/**
 * Configured API keys, found by the SHA-256 of the presented key.
 *
 * A Map lookup by hash rather than a constant-time compare against each key:
 * what a lookup's timing could reveal is how the hash of the caller's own
 * input relates to a stored hash, and turning that into a key would need a
 * SHA-256 preimage. The key itself is never compared, and the cost stays the
 * same however many keys are configured.
 */
export class ApiKeyVerifier {
  private readonly byHash = new Map<string, Principal>();

  constructor(keys: readonly ApiKeyConfig[]) {
    for (const key of keys) {
      this.byHash.set(key.key_sha256, Object.freeze({ id: key.name, kind: 'api_key', name: key.name, attributes: Object.freeze({}) }));
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The key's principal, or undefined for a key that is not configured. */
  async verify(key: string): Promise<Principal | undefined> {
    return this.byHash.get(await sha256HexAsync(key));
  }
}
