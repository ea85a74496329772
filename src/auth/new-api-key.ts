import { sha256HexAsync } from './api-key-verifier.ts';

/** Every key the gateway issues starts so, which makes a leaked one easy to recognise (and to scan for). */
export const API_KEY_PREFIX = 'sk-gw-';
const RANDOM_BYTES = 32;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A new random API key (256 bits from the runtime's CSPRNG) and the SHA-256 the config keeps. */
export async function newApiKey(): Promise<{ key: string; sha256: string }> {
  const key = API_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES)));
  return { key, sha256: await sha256HexAsync(key) };
}
