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

/** Wrong keys remembered, so a client retrying one stale key does not cost a hash per request. */
export const MAX_REMEMBERED_WRONG_KEYS = 1024;
/** Longer wrong keys are not remembered (ours are 51 characters), so the wrong-key map stays under 256 KiB of key text. */
const MAX_REMEMBERED_KEY_LENGTH = 256;

export interface ApiKeyVerifierOptions {
  /** How many distinct wrong keys are remembered at most (oldest forgotten first); default MAX_REMEMBERED_WRONG_KEYS. */
  maxWrongKeys?: number;
  /** The hash of a presented key (tests count calls); default WebCrypto SHA-256. */
  hash?: (key: string) => Promise<string>;
}

/**
 * Configured API keys, found by the SHA-256 of the presented key.
 *
 * A Map lookup by hash rather than a constant-time compare against each key:
 * what a lookup's timing could reveal is how the hash of the caller's own
 * input relates to a stored hash, and turning that into a key would need a
 * SHA-256 preimage. The key itself is never compared, and the cost stays the
 * same however many keys are configured.
 *
 * The steady state hashes nothing: a key that verified is remembered with its
 * principal, so later requests with it cost one Map lookup. That map holds
 * only keys that matched a configured hash, so it can never grow beyond the
 * number of configured keys, and nobody without a valid key can add to it or
 * push a valid key out. It holds what clients already send in every request
 * and lives as long as this verifier, which is built from the configured keys:
 * other keys, another verifier, empty maps. Wrong keys are remembered apart,
 * in a map of at most `maxWrongKeys` of at most 256 characters (the oldest
 * forgotten first), so that a
 * flood of distinct wrong keys costs one hash each, grows no memory past that
 * bound and never touches the valid keys.
 */
export class ApiKeyVerifier {
  private readonly byHash = new Map<string, Principal>();
  /** Presented keys that verified, with their principal: at most one per configured key. */
  private readonly valid = new Map<string, Principal>();
  /** Presented keys that did not verify, oldest first. */
  private readonly wrong = new Set<string>();
  private readonly maxWrongKeys: number;
  private readonly hash: (key: string) => Promise<string>;

  constructor(keys: readonly ApiKeyConfig[], options: ApiKeyVerifierOptions = {}) {
    for (const key of keys) {
      this.byHash.set(key.key_sha256, Object.freeze({ id: key.name, kind: 'api_key', name: key.name, attributes: Object.freeze({}) }));
    }
    this.maxWrongKeys = options.maxWrongKeys ?? MAX_REMEMBERED_WRONG_KEYS;
    this.hash = options.hash ?? sha256HexAsync;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** How many presented keys are remembered, valid and wrong (for tests and the memory bound). */
  get remembered(): { valid: number; wrong: number } {
    return { valid: this.valid.size, wrong: this.wrong.size };
  }

  /** The key's principal, or undefined for a key that is not configured. */
  verify(key: string): Principal | undefined | Promise<Principal | undefined> {
    const known = this.valid.get(key);
    if (known !== undefined) return known;
    if (this.wrong.has(key)) return undefined;
    return this.hashAndRemember(key);
  }

  private async hashAndRemember(key: string): Promise<Principal | undefined> {
    const principal = this.byHash.get(await this.hash(key));
    if (principal !== undefined) {
      // Only a SHA-256 preimage of a configured hash gets here, one string per configured key.
      if (this.valid.size < this.byHash.size) this.valid.set(key, principal);
      return principal;
    }
    if (this.maxWrongKeys > 0 && key.length <= MAX_REMEMBERED_KEY_LENGTH) {
      if (this.wrong.size >= this.maxWrongKeys) this.wrong.delete(this.wrong.values().next().value!);
      this.wrong.add(key);
    }
    return undefined;
  }
}
