/** A `data:` URL's media type and base64 payload. */
export interface DataUrl {
  mediaType: string;
  data: string;
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,/i;

/**
 * Splits a base64 `data:` URL (how clients inline images) into media type and
 * payload; undefined for any other URL. Upstreams that take inline bytes want
 * the two apart.
 */
export function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith('data:')) return undefined;
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  return { mediaType: match[1] ?? 'application/octet-stream', data: url.slice(match[0].length) };
}
