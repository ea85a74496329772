import { authFailure, type AuthFailure } from './auth-failure.ts';

/** Longer credentials are refused unread: no key we issue and no sane JWT comes near it. */
export const MAX_CREDENTIAL_LENGTH = 8192;

/** What the client presented: the raw credential and whether it has a JWT's shape. */
export interface Credential {
  readonly value: string;
  readonly jwt: boolean;
}

// Three base64url segments whose header starts with `{"` (base64url "eyJ"): a compact JWS.
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
// Visible ASCII only: anything else cannot be one of our keys or a JWT.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * The credential from `Authorization: Bearer <credential>` (what the OpenAI
 * SDKs send) or `x-api-key: <credential>` (what Anthropic-style clients send).
 * Both may be sent when they carry the same value; two different ones are
 * refused rather than guessing which one the caller meant.
 */
export function readCredential(headers: Headers): Credential | AuthFailure {
  const authorization = headers.get('authorization');
  const apiKey = headers.get('x-api-key');
  let bearer: string | undefined;
  if (authorization !== null) {
    if (authorization.length > MAX_CREDENTIAL_LENGTH + 7) return authFailure('malformed', 'The Authorization header is too long.');
    const match = /^bearer(?: +(.*))?$/i.exec(authorization.trim());
    if (!match) return authFailure('malformed', "The Authorization header must be 'Bearer <API key>'.");
    bearer = (match[1] ?? '').trim();
  }
  const key = apiKey?.trim();
  const value = bearer || key;
  if (!value) {
    return authFailure('missing', "You didn't provide an API key. Send it as 'Authorization: Bearer <API key>' or as the 'x-api-key' header.");
  }
  if (bearer && key && bearer !== key) return authFailure('malformed', "The Authorization and x-api-key headers carry different credentials; send one.");
  if (value.length > MAX_CREDENTIAL_LENGTH) return authFailure('malformed', 'The credential is too long.');
  if (!TOKEN_CHARS.test(value)) return authFailure('malformed', 'The credential has characters no API key or token has.');
  return { value, jwt: JWT_SHAPE.test(value) };
}
