import { decodeBase64 } from '../../config/schema.ts';

/** What a sealed compaction item starts with: the format's version (a later format gets a new prefix). */
export const SEALED_PREFIX = 'gwc1.';
/** The longest sealed `encrypted_content` accepted back (about 192 KiB of summary). */
export const MAX_SEALED_CHARS = 262_144;
/** The most bytes sealed (the summary as JSON); a longer summary is cut to fit, so every item sealed opens again. */
export const MAX_PLAIN_BYTES = 196_000;

const NONCE_BYTES = 12;
const AAD = new TextEncoder().encode(SEALED_PREFIX);

/** Why a compaction item could not be opened. */
export class SealError extends Error {}

/**
 * Seals and opens the gateway's own compaction items: the summary, as JSON,
 * encrypted with AES-256-GCM (WebCrypto, the same on every runtime) under a
 * random 96-bit nonce, authenticated with the version prefix as additional
 * data, written as `gwc1.` + base64url(nonce ‖ ciphertext ‖ tag). Anything
 * altered, or sealed under another key, fails to open.
 */
export class CompactionSealer {
  private constructor(private readonly key: Promise<CryptoKey>) {}

  /** A sealer for a configured key (32 bytes, base64), or for a random one when `base64Key` is undefined. */
  static create(base64Key: string | undefined): CompactionSealer {
    const bytes = base64Key === undefined ? crypto.getRandomValues(new Uint8Array(32)) : decodeBase64(base64Key);
    if (!bytes || bytes.length !== 32) throw new Error('a compaction key is 32 bytes, base64-encoded');
    return new CompactionSealer(crypto.subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));
  }

  /** Whether `encryptedContent` claims to be one of the gateway's own items (others belong to an upstream). */
  static isSealed(encryptedContent: string): boolean {
    return encryptedContent.startsWith(SEALED_PREFIX);
  }

  async seal(summary: string): Promise<string> {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    let plain = new TextEncoder().encode(JSON.stringify({ summary }));
    // Cut by what it encodes to (multi-byte characters, JSON escapes), not by characters.
    while (plain.length > MAX_PLAIN_BYTES) {
      summary = summary.slice(0, Math.floor((summary.length * MAX_PLAIN_BYTES) / plain.length) - 1);
      plain = new TextEncoder().encode(JSON.stringify({ summary }));
    }
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD }, await this.key, plain));
    const out = new Uint8Array(NONCE_BYTES + sealed.length);
    out.set(nonce);
    out.set(sealed, NONCE_BYTES);
    return SEALED_PREFIX + toBase64Url(out);
  }

  /** The summary a sealed item holds; throws SealError when it is malformed, altered or sealed under another key. */
  async open(encryptedContent: string): Promise<string> {
    if (!CompactionSealer.isSealed(encryptedContent)) throw new SealError('it was not made by this gateway');
    if (encryptedContent.length > MAX_SEALED_CHARS) throw new SealError(`it is longer than ${MAX_SEALED_CHARS} characters`);
    const bytes = decodeBase64(encryptedContent.slice(SEALED_PREFIX.length));
    if (!bytes || bytes.length < NONCE_BYTES + 16) throw new SealError('it is malformed');
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, NONCE_BYTES), additionalData: AAD }, await this.key, bytes.subarray(NONCE_BYTES));
    } catch {
      throw new SealError('it was altered or sealed under another key');
    }
    try {
      const parsed = JSON.parse(new TextDecoder().decode(plain)) as { summary?: unknown };
      if (typeof parsed.summary === 'string') return parsed.summary;
    } catch {
      // Falls through: authentic but not a summary (a future format under the same prefix).
    }
    throw new SealError('it is malformed');
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
